#!/usr/bin/env python3
"""Section "Per-step trust ratios" of docs/results.md: every tensor's ratio after every step (--log-ratios),
PAMAdam and LAMB at lr 1e-3, 1 seed, 3 epochs, batch 128, DJL's initialisation.

  python3 tools/study_ratios.py run     # 2 runs x 3 epochs, ~1 min on 2 cores
  python3 tools/study_ratios.py table   # from docs/results/ratios-mlp.csv
  python3 tools/study_ratios.py plot    # docs/results/ratios-mlp.png (tools/plot_study.py ratios)
"""
import csv
import gzip
import os
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402

CSV = os.path.join(S.RESULTS, "ratios-mlp.csv.gz")  # with the recipe columns (gzip)
WINDOWS = [(1, 10), (11, 300), (301, 469), (470, 938), (939, 1407)]


def run(args):
    _, files = S.compare("ratios-mlp-metrics", {"model": "mlp", "optimizers": "pamadam,lamb", "lr": "1e-3",
                                                "seeds": 1, "epochs": 3, "log-ratios": None})
    recipe = S.annotate_rows([{**{k: "0" for k in S.METRICS}, "optimizer": "-"}], {"model": "mlp", "epochs": 3})[0]
    with open(files["ratios.csv"]) as f, gzip.open(CSV, "wt", newline="") as out:
        reader = csv.DictReader(f)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames + S.RECIPE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in reader:
            writer.writerow({**r, **{k: recipe[k] for k in S.RECIPE_COLUMNS}})


def table(args):
    series = defaultdict(list)
    with gzip.open(CSV, "rt") as f:
        for r in csv.DictReader(f):
            series[(r["optimizer"], r["tensor"])].append((int(r["step"]), float(r["ratio"])))
    print("Trust ratio per tensor: min .. max over windows of steps (469 steps per epoch), and the last value\n")
    body = []
    for (opt, tensor), pts in sorted(series.items()):
        cells = [opt, tensor]
        for lo, hi in WINDOWS:
            vals = [v for s, v in pts if lo <= s <= hi]
            cells.append(f"{min(vals):.3g} .. {max(vals):.3g}" if vals else "-")
        cells.append(f"{pts[-1][1]:.3g}")
        body.append(cells)
    S.markdown(["optimizer", "tensor"] + [f"steps {lo}-{hi}" for lo, hi in WINDOWS] + ["last"], body)


def plot(args):
    subprocess.run([sys.executable, "tools/plot_study.py", "ratios", CSV, os.path.join(S.RESULTS, "ratios-mlp.png"),
                    "pamadam", "lamb"], cwd=S.ROOT, check=True)


def main():
    S.run_mode(__doc__, {"run": run, "table": table, "plot": plot})


if __name__ == "__main__":
    main()
