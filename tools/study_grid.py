#!/usr/bin/env python3
"""Section "The lr grid on the MLP" of docs/results.md: PAMAdam, LAMB, Adam, AdamW and SGD at lr 1e-3,
3e-3 and 1e-2, 3 seeds, 8 epochs, batch 128, constant lr, DJL's initialisation.

  python3 tools/study_grid.py run            # 45 runs x 8 epochs, ~15 min on 2 cores
  python3 tools/study_grid.py table [EPOCH]  # from docs/results/grid-mlp-metrics.csv (default: last epoch)
  python3 tools/study_grid.py plot           # docs/results/grid-mlp.png
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402

CSV = os.path.join(S.RESULTS, "grid-mlp-metrics.csv")
FLAGS = {"model": "mlp", "optimizers": "pamadam,lamb,adam,adamw,sgd", "lr": "1e-3,3e-3,1e-2", "seeds": 3,
         "epochs": 8}
COLORS = {"pamadam": "tab:red", "lamb": "tab:blue", "adam": "tab:green", "adamw": "tab:orange", "sgd": "tab:purple"}
STYLES = {0.001: "-", 0.003: "--", 0.01: ":"}


def run(args):
    S.compare("grid-mlp", FLAGS)
    os.replace(os.path.join(S.RESULTS, "grid-mlp.csv"), CSV)


def table(args):
    rows = S.read_csv(CSV)
    epoch = args.epoch or max(int(r["epoch"]) for r in rows)
    final = S.at_epoch(rows, epoch)
    print(f"MLP, epoch {epoch}: test accuracy mean ± sd over seeds; losses are means over the seeds that did not"
          " diverge\n")
    body = []
    for (opt, lr), grp in sorted(S.groups(final, ["optimizer", "lr"]).items(), key=lambda k: (k[0][0], float(k[0][1]))):
        every = [r for r in rows if r["optimizer"] == opt and r["lr"] == lr and int(r["epoch"]) <= epoch]
        body.append([opt, f"{float(lr):g}", len(grp), S.acc_cell(grp), S.loss_cell(grp, "test_loss"),
                     S.loss_cell(grp, "train_loss"), S.fate(every) or "-"])
    S.markdown(["optimizer", "lr", "seeds", "test acc", "test loss", "train loss", "runs that collapsed"], body)
    secs = [float(r["seconds"]) for r in rows if S.finite(float(r["seconds"]))]
    print(f"\nTraining seconds per epoch: {min(secs):.1f} to {max(secs):.1f} (median {statistics.median(secs):.1f})")


def plot(args):
    """One column per lr; test accuracy (top) and training loss (bottom, log) per optimizer."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = S.read_csv(CSV)
    lrs = sorted({float(r["lr"]) for r in rows})
    fig, axes = plt.subplots(2, len(lrs), figsize=(5.5 * len(lrs), 8.5), sharex=True)
    for (opt, lr), grp in sorted(S.groups(rows, ["optimizer", "lr"]).items()):
        col = lrs.index(float(lr))
        for row, column in enumerate(("test_acc", "train_loss")):
            by_epoch = S.groups(grp, ["epoch"])
            epochs = sorted(int(e[0]) for e in by_epoch)
            means, lo, hi = [], [], []
            for e in epochs:
                vals = [float(r[column]) for r in by_epoch[(str(e),)] if S.finite(float(r[column]))]
                means.append(statistics.fmean(vals) if vals else float("nan"))
                lo.append(min(vals) if vals else float("nan"))
                hi.append(max(vals) if vals else float("nan"))
            ax = axes[row][col]
            ax.plot(epochs, means, color=COLORS[opt], marker="o", ms=3, label=opt)
            ax.fill_between(epochs, lo, hi, color=COLORS[opt], alpha=0.15)
    for col, lr in enumerate(lrs):
        axes[0][col].set_title(f"lr {lr:g}: test accuracy (mean, min..max over 3 seeds)")
        axes[0][col].set_ylim(0.80, 0.90)
        axes[1][col].set_title(f"lr {lr:g}: training loss (log)")
        axes[1][col].set_yscale("log")
        axes[1][col].set_xlabel("epoch")
        for row in range(2):
            axes[row][col].grid(alpha=0.3)
            axes[row][col].legend(fontsize=8, loc="lower right" if row == 0 else "upper right")
    axes[0][-1].text(0.03, 0.25, "below the axis: runs at chance (0.10)\nor diverged (not drawn)",
                     transform=axes[0][-1].transAxes, ha="left", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(S.RESULTS, "grid-mlp.png"), dpi=90)


def main():
    S.run_mode(__doc__, {"run": run, "table": table, "plot": plot},
               lambda ap: ap.add_argument("epoch", nargs="?", type=int))


if __name__ == "__main__":
    main()
