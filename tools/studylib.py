#!/usr/bin/env python3
"""Shared helpers of the study scripts (tools/study_*.py): run `./pamadam compare`, keep its raw output,
write its metrics with the recipe in columns, and print markdown tables from those CSVs.

Every CSV under docs/results/ that a study script writes has the columns of pamadam's metrics.csv
followed by the recipe columns RECIPE_COLUMNS, filled from the flags the script passed (never by hand).
`python3 tools/studylib.py annotate IN.csv OUT.csv --batch-size 128 ...` adds the same columns to a
metrics.csv that an earlier command made (used for the runs made before the scripts existed).
"""
import argparse
import csv
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "docs", "results")
METRICS = ["optimizer", "lr", "seed", "epoch", "train_loss", "test_loss", "test_acc", "seconds", "opt_step_ms",
           "opt_share"]
RECIPE_COLUMNS = ["engine", "model", "init", "batch_size", "epochs", "schedule", "warmup", "max_ratio",
                  "weight_decay", "no_trust_ratio", "max_grad_norm"]
# What each optimizer gets when --weight-decay is not given (pamadam-core's Rule presets).
DEFAULT_DECAY = {"adamw": 0.01}
TRAIN_IMAGES = 60000


def steps_per_epoch(batch_size):
    return (TRAIN_IMAGES + batch_size - 1) // batch_size


def warmup_steps(batch_size, epochs, fraction=0.05):
    """Linear warmup over `fraction` of the run's optimizer steps, rounded up."""
    return math.ceil(fraction * epochs * steps_per_epoch(batch_size))


def recipe_of(flags):
    """The recipe columns (without weight_decay, which depends on the optimizer) from compare's flags."""
    return {
        "engine": flags.get("engine", "djl"),
        "model": flags.get("model", "mlp"),
        "init": flags.get("init", "djl"),
        "batch_size": str(flags.get("batch-size", 128)),
        "epochs": str(flags.get("epochs", 3)),
        "schedule": flags.get("schedule", "constant"),
        "warmup": str(flags.get("warmup", 0)),
        "max_ratio": str(flags.get("max-ratio", "none")),
        "no_trust_ratio": flags.get("no-trust-ratio", "none"),
        "max_grad_norm": str(flags.get("max-grad-norm", "none")),
    }


def annotate_rows(metric_rows, flags):
    recipe = recipe_of(flags)
    out = []
    for r in metric_rows:
        row = {k: r[k] for k in METRICS}
        row.update(recipe)
        decay = flags.get("weight-decay", DEFAULT_DECAY.get(r["optimizer"], 0.0))
        row["weight_decay"] = str(float(decay))
        out.append(row)
    return out


def write_csv(path, rows, append=False):
    exists = append and os.path.exists(path)
    with open(path, "a" if append else "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=METRICS + RECIPE_COLUMNS, lineterminator="\n")
        if not exists:
            w.writeheader()
        w.writerows(rows)


def read_csv(*paths):
    out = []
    for p in paths:
        with open(p) as f:
            out.extend(csv.DictReader(f))
    return out


def command(flags):
    """The ./pamadam compare command line for a dict of flags (value None: a switch); $PAMADAM_CLI, when
    set, is the launcher to use instead of ./pamadam (another build of the same sources)."""
    cmd = [os.environ.get("PAMADAM_CLI", "./pamadam"), "compare"]
    for k, v in flags.items():
        cmd.append(f"--{k}" if v is None else f"--{k}={v}")
    return cmd


def compare(name, flags, append=False):
    """Runs ./pamadam compare with `flags` under OMP_NUM_THREADS=1, appends its metrics (with the recipe
    columns) to docs/results/NAME.csv and its report lines to docs/results/NAME.log. Returns the rows.
    Extra files the run writes (ratios.csv) are returned in a dict {file name: path in a temp folder}."""
    env = dict(os.environ, OMP_NUM_THREADS="1", DJL_OFFLINE="true")
    tmp = tempfile.mkdtemp(prefix="study-")
    cmd = command(dict(flags, out=tmp))
    shown = " ".join(["./pamadam"] + command(flags)[1:])
    print(f"$ {shown}", file=sys.stderr, flush=True)
    started = time.time()
    lock = os.environ.get("PAMADAM_LOCK")  # e.g. /tmp/pamadam-heavy.lock: one heavy job at a time
    if lock:
        cmd = ["flock", lock] + cmd
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wall = time.time() - started
    rows = annotate_rows(read_csv(os.path.join(tmp, "metrics.csv")), flags) \
        if os.path.exists(os.path.join(tmp, "metrics.csv")) else []
    with open(os.path.join(RESULTS, name + ".log"), "a" if append else "w") as log:
        log.write(f"$ OMP_NUM_THREADS=1 {shown}\n{proc.stdout}exit {proc.returncode}, wall {wall:.0f} s\n\n")
    if proc.returncode not in (0, 1) or not rows:
        raise SystemExit(f"compare failed (exit {proc.returncode}); see docs/results/{name}.log")
    write_csv(os.path.join(RESULTS, name + ".csv"), rows, append=append)
    print(f"  exit {proc.returncode}, wall {wall:.0f} s, {len(rows)} rows -> docs/results/{name}.csv",
          file=sys.stderr, flush=True)
    return rows, {f: os.path.join(tmp, f) for f in os.listdir(tmp)}


# ---- tables ----------------------------------------------------------------------------------------

def finite(x):
    return not (math.isnan(x) or math.isinf(x))


def at_epoch(rows, epoch=None):
    """Rows of the given epoch (default: each run's last epoch)."""
    if epoch is not None:
        return [r for r in rows if int(r["epoch"]) == epoch]
    last = defaultdict(int)
    for r in rows:
        k = (r["optimizer"], r["lr"], r["seed"], tuple(r.get(c, "") for c in RECIPE_COLUMNS))
        last[k] = max(last[k], int(r["epoch"]))
    return [r for r in rows
            if int(r["epoch"]) == last[(r["optimizer"], r["lr"], r["seed"], tuple(r.get(c, "") for c in RECIPE_COLUMNS))]]


def mean_sd(values, digits=4):
    vals = [v for v in values if finite(v)]
    if not vals:
        return "-"
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return f"{statistics.fmean(vals):.{digits}f} ± {sd:.{digits}f}"


def acc_cell(group):
    """Test accuracy mean ± sd over the seeds that finished, saying how many diverged or ended at chance."""
    accs = [float(r["test_acc"]) for r in group]
    ok = [a for a in accs if finite(a)]
    diverged = len(accs) - len(ok)
    chance = sum(1 for a in ok if a <= 0.11)
    notes = []
    if diverged:
        notes.append(f"{diverged} of {len(accs)} diverged")
    if chance:
        notes.append(f"{chance} of {len(accs)} at chance")
    return mean_sd(ok) + (f" ({', '.join(notes)})" if notes else "")


def loss_cell(group, column):
    vals = [float(r[column]) for r in group if finite(float(r[column]))]
    if not vals:
        return "-"
    m = statistics.fmean(vals)
    return f"{m:.3g}" if m > 100 else f"{m:.4f}"


def fate(rows):
    """For the rows of one configuration (all epochs, all seeds): 'seed S: chance from epoch A, NaN from
    epoch B' for every seed that ended at chance or diverged; '' when none did."""
    out = []
    for seed, grp in sorted(groups(rows, ["seed"]).items()):
        by_epoch = sorted(grp, key=lambda r: int(r["epoch"]))
        chance = next((int(r["epoch"]) for r in by_epoch if finite(float(r["test_acc"]))
                       and float(r["test_acc"]) <= 0.11), None)
        nan = next((int(r["epoch"]) for r in by_epoch if not finite(float(r["test_acc"]))), None)
        parts = ([f"chance from epoch {chance}"] if chance else []) + ([f"NaN in epoch {nan}"] if nan else [])
        if parts:
            out.append(f"seed {seed[0]}: " + ", ".join(parts))
    return "; ".join(out)


def cell_text(s):
    """A value as a markdown table cell (a | would end the cell)."""
    return str(s).replace("|", "\\|")


def markdown(head, rows):
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


def groups(rows, keys):
    out = defaultdict(list)
    for r in rows:
        out[tuple(r[k] for k in keys)].append(r)
    return out


def run_mode(doc, modes, arguments=None):
    """A study script's command line, `SCRIPT MODE`: MODE picks one of `modes` (name to function of the
    parsed arguments); `arguments(parser)` may add more. The description is the script's first doc line."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("mode", choices=list(modes))
    if arguments is not None:
        arguments(ap)
    args = ap.parse_args()
    modes[args.mode](args)


def main():
    ap = argparse.ArgumentParser(description="add the recipe columns to a metrics.csv")
    ap.add_argument("mode", choices=["annotate"])
    ap.add_argument("src")
    ap.add_argument("dst")
    for flag in ("engine", "model", "init", "batch-size", "epochs", "schedule", "warmup", "max-ratio",
                 "weight-decay", "no-trust-ratio", "max-grad-norm"):
        ap.add_argument("--" + flag)
    args = ap.parse_args()
    flags = {k.replace("_", "-"): v for k, v in vars(args).items()
             if k not in ("mode", "src", "dst") and v is not None}
    if "weight-decay" in flags:
        flags["weight-decay"] = float(flags["weight-decay"])
    write_csv(args.dst, annotate_rows(read_csv(args.src), flags))


if __name__ == "__main__":
    main()
