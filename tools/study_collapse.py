#!/usr/bin/env python3
"""Section "The collapse at lr 1e-2" of docs/results.md: the MLP at batch 128, constant lr 1e-2, DJL's
initialisation (the grid's setting), every tensor's trust ratio, mean|p| and the batch loss logged after
every step (`--log-tensors`) until the run ends or collapses.

  python3 tools/study_collapse.py run     # 5 configurations x 3 seeds x 3 epochs, ~3 min on 2 cores
  python3 tools/study_collapse.py table   # the tables, from docs/results/collapse-*.csv(.gz)
  python3 tools/study_collapse.py plot    # docs/results/collapse.png

Configurations: pamadam; pamadam --max-ratio 1 (the clamp); pamadam with a plain step (ratio 1) on the
last layer (--no-trust-ratio '05Linear_weight|05Linear_bias'); lamb; adam (the baseline).
"""
import csv
import gzip
import os
import shutil
import statistics
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402

EPOCHS = 3
SEEDS = 3
LR = 1e-2
LAST = "05Linear_weight|05Linear_bias"
CONFIGS = [  # (label, optimizer, extra flags)
    ("pamadam", "pamadam", {}),
    ("pamadam, max-ratio 1", "pamadam", {"max-ratio": 1}),
    ("pamadam, plain last layer", "pamadam", {"no-trust-ratio": LAST}),
    ("lamb", "lamb", {}),
    ("adam", "adam", {}),
]
NAME = "collapse"
TENSORS = os.path.join(S.RESULTS, "collapse-tensors.csv.gz")
LAYERS = ["01Linear_weight", "01Linear_bias", "03Linear_weight", "03Linear_bias", "05Linear_weight", "05Linear_bias"]


def label_of(r):
    for label, opt, extra in CONFIGS:
        if r["optimizer"] == opt and r["max_ratio"] == str(extra.get("max-ratio", "none")) \
                and r["no_trust_ratio"] == extra.get("no-trust-ratio", "none"):
            return label
    return None


def run(args):
    with gzip.open(TENSORS, "wt", newline="") as out:
        writer = None
        for i, (label, opt, extra) in enumerate(CONFIGS):
            flags = {"model": "mlp", "batch-size": 128, "epochs": EPOCHS, "seeds": SEEDS, "optimizers": opt,
                     "lr": LR, **extra, "log-tensors": None}
            _, files = S.compare(NAME, flags, append=i > 0)
            recipe = S.annotate_rows([{**{k: "0" for k in S.METRICS}, "optimizer": opt}], flags)[0]
            with open(files["tensors.csv"]) as f:
                for r in csv.DictReader(f):
                    r.update({k: recipe[k] for k in S.RECIPE_COLUMNS})
                    if writer is None:
                        writer = csv.DictWriter(out, fieldnames=list(r), lineterminator="\n")
                        writer.writeheader()
                    writer.writerow(r)
            shutil.rmtree(os.path.dirname(files["tensors.csv"]))


def tensors():
    """(label, seed) -> tensor -> list of (step, ratio, mean_abs_p, batch_loss)."""
    out = defaultdict(lambda: defaultdict(list))
    with gzip.open(TENSORS, "rt") as f:
        for r in csv.DictReader(f):
            out[(label_of(r), int(r["seed"]))][r["tensor"]].append(
                (int(r["step"]), float(r["ratio"]), float(r["mean_abs_p"]), float(r["batch_loss"])))
    return out


def first(points, test):
    return next((p[0] for p in points if test(p)), None)


def table(args):
    metrics = S.read_csv(os.path.join(S.RESULTS, NAME + ".csv"))
    print(f"Final test accuracy after {EPOCHS} epochs at lr {LR:g} (batch 128, constant lr), by seed\n")
    body = []
    for label, _, _ in CONFIGS:
        final = [r for r in metrics if label_of(r) == label and int(r["epoch"]) == EPOCHS]
        accs = sorted(final, key=lambda r: int(r["seed"]))
        body.append([label, S.acc_cell(final)] + [r["test_acc"] for r in accs])
    S.markdown(["configuration", "mean ± sd"] + [f"seed {s}" for s in range(1, SEEDS + 1)], body)

    logs = tensors()
    print("\nWhen each tensor grows: the first step at which mean|p| exceeds 2x and 10x its value after"
          " step 1, and the first step with ratio > 1 (a step longer than Adam's there); '-' never."
          " Last column: the last logged step (a run that diverged stops one step later) and the first step"
          " whose batch loss exceeds 10.\n")
    body = []
    for label, _, _ in CONFIGS:
        for seed in range(1, SEEDS + 1):
            per = logs.get((label, seed))
            if not per:
                continue
            cells = [label, str(seed)]
            for t in LAYERS:
                pts = per[t]
                m0 = pts[0][2]
                d2 = first(pts, lambda p: p[2] > 2 * m0)
                d10 = first(pts, lambda p: p[2] > 10 * m0)
                r1 = first(pts, lambda p: p[1] > 1.0)
                cells.append("/".join("-" if x is None else str(x) for x in (d2, d10, r1)))
            pts = per[LAYERS[0]]
            blow = first(pts, lambda p: p[3] > 10)
            cells.append(f"{pts[-1][0]} / {blow if blow is not None else '-'}")
            body.append(cells)
    S.markdown(["configuration", "seed"] + [f"{t} x2/x10/r>1" for t in LAYERS] + ["last step / loss>10"], body)

    print("\nAfter the blow-up: the first step at which a weight's ratio exceeds 100 (Adam's step has all but vanished"
          " next to mean|p|), and the median factor by which each weight's mean|p| grows per step over steps"
          " 600-1300 (1 + lr = 1.01 is the most a PAMAdam step can add at lr 0.01)\n")
    body = []
    for label in ("pamadam", "pamadam, plain last layer"):
        for seed in range(1, SEEDS + 1):
            per = logs[(label, seed)]
            weights = [t for t in LAYERS if t.endswith("weight")]
            r100 = min(x for x in (first(per[t], lambda p: p[1] > 100) for t in weights) if x is not None)
            cells = [label, str(seed), str(r100)]
            for t in weights:
                pts = per[t]
                g = [pts[i][2] / pts[i - 1][2] for i in range(1, len(pts)) if 600 <= pts[i][0] <= 1300]
                cells.append(f"{statistics.median(g):.5f}" if g else "-")
            body.append(cells)
    S.markdown(["configuration", "seed", "ratio > 100 from step"] + [f"{t} growth per step" for t in LAYERS[::2]], body)

    print("\nmean|p| after step 1 and at the last logged step (seed 1), and the largest ratio used\n")
    body = []
    for label, _, _ in CONFIGS:
        per = logs.get((label, 1))
        if not per:
            continue
        for t in LAYERS:
            pts = per[t]
            body.append([label, t, f"{pts[0][2]:.3g}", f"{pts[-1][2]:.3g}", f"{pts[-1][2] / pts[0][2]:.3g}",
                         f"{max(p[1] for p in pts):.3g}"])
    S.markdown(["configuration", "tensor", "mean abs p, step 1", "last step", "growth", "max ratio"], body)


def plot(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    logs = tensors()
    shown = [c[0] for c in CONFIGS if c[0] != "adam"]
    colors = dict(zip(LAYERS, ["tab:blue", "tab:cyan", "tab:green", "tab:olive", "tab:red", "tab:pink"]))
    fig, axes = plt.subplots(3, len(shown), figsize=(4.6 * len(shown), 10), sharex=True, squeeze=False)
    base = logs[("adam", 1)]
    for col, label in enumerate(shown):
        per = logs[(label, 1)]
        for t in LAYERS:
            pts = per[t]
            steps = [p[0] for p in pts]
            axes[0][col].plot(steps, [p[2] for p in pts], color=colors[t], lw=1, label=t)
            axes[1][col].plot(steps, [p[1] for p in pts], color=colors[t], lw=0.8, label=t)
            if t.endswith("weight"):
                bpts = base[t]
                axes[0][col].plot([p[0] for p in bpts], [p[2] for p in bpts], color=colors[t], lw=1, ls=":",
                                  label=f"adam {t}")
        pts = per[LAYERS[0]]
        axes[2][col].plot([p[0] for p in pts], [p[3] for p in pts], color="black", lw=0.6, label=label)
        bpts = base[LAYERS[0]]
        axes[2][col].plot([p[0] for p in bpts], [p[3] for p in bpts], color="tab:gray", lw=0.6, ls=":",
                          label="adam (baseline)")
        axes[1][col].axhline(1.0, color="black", lw=0.8, ls="--", label="ratio 1 (Adam's step)")
        axes[0][col].set_title(f"{label}, lr {LR:g}, seed 1")
        axes[0][col].set_ylabel("mean|p| after the step")
        axes[1][col].set_ylabel("trust ratio used")
        axes[2][col].set_ylabel("batch loss")
        axes[2][col].set_xlabel("optimizer step (469 per epoch)")
        for row in range(3):
            axes[row][col].set_yscale("log")
            axes[row][col].grid(alpha=0.3)
            axes[row][col].legend(fontsize=6, ncol=2 if row == 0 else 1)
    fig.tight_layout()
    fig.savefig(os.path.join(S.RESULTS, "collapse.png"), dpi=100)


def main():
    S.run_mode(__doc__, {"run": run, "table": table, "plot": plot})


if __name__ == "__main__":
    main()
