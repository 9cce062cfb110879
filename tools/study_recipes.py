#!/usr/bin/env python3
"""Section "Recipes on the MLP" of docs/results.md: one `compare` call per recipe, 2 seeds, 5 epochs, batch
128, DJL's initialisation; the baseline (no recipe) is the lr grid's epoch 5 (3 seeds, grid-mlp-metrics.csv).

  python3 tools/study_recipes.py run     # 6 calls, ~8 min on 2 cores
  python3 tools/study_recipes.py table   # from docs/results/rec-*-metrics.csv and grid-mlp-metrics.csv
  python3 tools/study_recipes.py plot    # docs/results/recipes.png
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402
from study_largebatch import welch  # noqa: E402

COMMON = {"model": "mlp", "seeds": 2, "epochs": 5}
NOBIAS = "bias|gamma|beta"
RECIPES = {  # name: (label, flags)
    "warmup": ("cosine, warmup 500", {"optimizers": "pamadam,adam", "lr": "1e-3,3e-3,1e-2", "schedule": "cosine",
                                      "warmup": 500}),
    "maxratio": ("max-ratio 1", {"optimizers": "pamadam", "lr": "1e-3,1e-2", "max-ratio": 1}),
    "wd": ("weight decay 0.05", {"optimizers": "pamadam", "lr": "1e-3,1e-2", "weight-decay": 0.05}),
    "nobias": ("no trust ratio for biases", {"optimizers": "pamadam", "lr": "1e-3,1e-2", "no-trust-ratio": NOBIAS}),
    "clip": ("max-grad-norm 1", {"optimizers": "pamadam", "lr": "1e-3,1e-2", "max-grad-norm": 1}),
    "all": ("all of the above", {"optimizers": "pamadam", "lr": "1e-3,1e-2", "schedule": "cosine", "warmup": 500,
                                 "max-ratio": 1, "weight-decay": 0.05, "no-trust-ratio": NOBIAS, "max-grad-norm": 1}),
}
COLUMNS = [("pamadam", 0.001), ("pamadam", 0.003), ("pamadam", 0.01), ("adam", 0.001), ("adam", 0.003), ("adam", 0.01)]


def path(name):
    return os.path.join(S.RESULTS, f"rec-{name}-metrics.csv")


def run(args):
    for name, (_, flags) in RECIPES.items():
        S.compare(f"rec-{name}-metrics", {**COMMON, **flags})


def data():
    """label -> rows; the baseline is the grid's first 5 epochs."""
    out = {"none (grid, 3 seeds)": [r for r in S.read_csv(os.path.join(S.RESULTS, "grid-mlp-metrics.csv"))
                                    if int(r["epoch"]) <= 5]}
    for name, (label, _) in RECIPES.items():
        out[label] = S.read_csv(path(name))
    return out


def cell(rows, opt, lr):
    grp = [r for r in rows if r["optimizer"] == opt and float(r["lr"]) == lr and int(r["epoch"]) == 5]
    return S.acc_cell(grp) if grp else ""


def accs(rows, opt, lr):
    return [float(r["test_acc"]) if S.finite(float(r["test_acc"])) else 0.1 for r in rows
            if r["optimizer"] == opt and float(r["lr"]) == lr and int(r["epoch"]) == 5]


def table(args):
    d = data()
    print("MLP, epoch 5: test accuracy mean ± sd over seeds (2 per recipe, 3 for the baseline)\n")
    S.markdown(["recipe"] + [f"{o} {lr:g}" for o, lr in COLUMNS],
               [[label] + [cell(rows, o, lr) for o, lr in COLUMNS] for label, rows in d.items()])
    base = d["none (grid, 3 seeds)"]
    print("\nChange against the baseline at epoch 5 (difference of means; Welch t, n = 2 and 3)\n")
    body = []
    for label, rows in list(d.items())[1:]:
        for o, lr in COLUMNS:
            a, b = accs(rows, o, lr), accs(base, o, lr)
            if a and b:
                body.append([label, f"{o} {lr:g}", f"{statistics.fmean(a) - statistics.fmean(b):+.4f}",
                             f"{welch(a, b):+.1f}"])
    S.markdown(["recipe", "run", "change", "t"], body)
    warm = d["cosine, warmup 500"]
    print("\nWith cosine and warmup 500: PAMAdam minus Adam at the same lr (Welch t, n = 2 each)\n")
    body = []
    for lr in (0.001, 0.003, 0.01):
        a, b = accs(warm, "pamadam", lr), accs(warm, "adam", lr)
        body.append([f"{lr:g}", f"{statistics.fmean(a) - statistics.fmean(b):+.4f}", f"{welch(a, b):+.1f}"])
    S.markdown(["lr", "pamadam - adam", "t"], body)
    print("\nBy seed at epoch 5 (pamadam 1e-2)\n")
    S.markdown(["recipe", "seeds' test acc"],
               [[label, ", ".join(f"{x:.4f}" for x in accs(rows, "pamadam", 0.01))] for label, rows in d.items()])


def plot(args):
    """Epoch-5 test accuracy per recipe (each seed a dot, the mean a bar), PAMAdam at 1e-3 and 1e-2, with
    the baselines as lines: PAMAdam and Adam without a recipe at the same lr (grid, 3 seeds)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    d = data()
    labels = list(d)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    for ax, lr, ylim in ((axes[0], 0.001, (0.855, 0.885)), (axes[1], 0.01, (0.0, 0.95))):
        base = d[labels[0]]
        for opt, ls, color in (("pamadam", "-", "tab:red"), ("adam", ":", "tab:green")):
            a = accs(base, opt, lr)
            ax.axhline(statistics.fmean(a), color=color, ls=ls, lw=1.5,
                       label=f"baseline: {opt} {lr:g}, no recipe (grid, mean of 3)")
        for x, label in enumerate(labels[1:]):
            a = accs(d[label], "pamadam", lr)
            ax.scatter([x] * len(a), a, color="tab:red", s=25, zorder=3,
                       label="pamadam with the recipe, each seed" if x == 0 else None)
            ax.hlines(statistics.fmean(a), x - 0.3, x + 0.3, color="black", lw=2,
                      label="its mean" if x == 0 else None)
        ax.set_xticks(range(len(labels) - 1))
        ax.set_xticklabels([l.replace(" ", "\n", 1) for l in labels[1:]], fontsize=8)
        ax.set_ylim(*ylim)
        ax.set_title(f"PAMAdam lr {lr:g}: test accuracy at epoch 5 (diverged = 0.1)")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=7, loc="lower left" if lr == 0.001 else "center right")
    fig.tight_layout()
    fig.savefig(os.path.join(S.RESULTS, "recipes.png"), dpi=100)


def main():
    S.run_mode(__doc__, {"run": run, "table": table, "plot": plot})


if __name__ == "__main__":
    main()
