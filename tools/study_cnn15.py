#!/usr/bin/env python3
"""Section "The CNN with batch norm, 15 epochs" of docs/results.md: PAMAdam and Adam at lr 3e-3 and PAMAdam
at 1e-2, one seed, batch 128, constant lr, DJL's initialisation.

  python3 tools/study_cnn15.py run     # 3 runs x 15 epochs, ~25 min on 2 cores
  python3 tools/study_cnn15.py table   # from docs/results/cnn15-*-metrics.csv
  python3 tools/study_cnn15.py plot    # docs/results/cnn15.png
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402

RUNS = {"cnn15-3e-3-metrics": {"optimizers": "pamadam,adam", "lr": "3e-3"},
        "cnn15-1e-2-metrics": {"optimizers": "pamadam", "lr": "1e-2"}}
EPOCHS = [1, 2, 5, 8, 10, 15]


def rows():
    return [r for name in RUNS for r in S.read_csv(os.path.join(S.RESULTS, name + ".csv"))]


def run(args):
    for name, f in RUNS.items():
        S.compare(name, {"model": "cnn", "seeds": 1, "epochs": 15, **f})


def table(args):
    data = rows()
    print("CNN, 1 seed: test accuracy at some epochs, the best epoch, and the largest change between consecutive"
          " epochs from epoch 5 on\n")
    body = []
    for (opt, lr), grp in S.groups(data, ["optimizer", "lr"]).items():
        acc = {int(r["epoch"]): float(r["test_acc"]) for r in grp}
        cells = [f"{opt} {float(lr):g}"] + [f"{acc[e]:.4f}" if S.finite(acc[e]) else "NaN" for e in EPOCHS]
        ok = {e: a for e, a in acc.items() if S.finite(a)}
        best = max(ok, key=ok.get)
        cells.append(f"{ok[best]:.4f} ({best})")
        jumps = [abs(ok[e] - ok[e - 1]) for e in ok if e - 1 in ok and e >= 6]
        cells.append(f"{max(jumps):.4f}" if jumps else "-")
        cells.append(S.fate(grp) or "-")
        body.append(cells)
    S.markdown(["run"] + [f"epoch {e}" for e in EPOCHS] + ["best (epoch)", "max epoch-to-epoch change", "collapse"],
               body)
    print("\nTest loss, epoch 8 -> 15, and training loss, epoch 8 -> 15\n")
    body = []
    for (opt, lr), grp in S.groups(data, ["optimizer", "lr"]).items():
        by = {int(r["epoch"]): r for r in grp}
        body.append([f"{opt} {float(lr):g}", f"{float(by[8]['test_loss']):.3f} -> {float(by[15]['test_loss']):.3f}",
                     f"{float(by[8]['train_loss']):.3f} -> {float(by[15]['train_loss']):.3f}"])
    S.markdown(["run", "test loss", "train loss"], body)
    secs = [float(r["seconds"]) for r in data if S.finite(float(r["seconds"]))]
    print(f"\nTraining seconds per epoch (the machine was shared): {min(secs):.0f} to {max(secs):.0f}, "
          f"median {statistics.median(secs):.0f}, over {len(secs)} epochs")


def plot(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    data = rows()
    colors = {("pamadam", "0.003"): "tab:red", ("adam", "0.003"): "tab:green", ("pamadam", "0.01"): "tab:purple"}
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for (opt, lr), grp in S.groups(data, ["optimizer", "lr"]).items():
        grp = sorted(grp, key=lambda r: int(r["epoch"]))
        e = [int(r["epoch"]) for r in grp]
        label = f"{opt} lr={float(lr):g}" + (" (baseline)" if opt == "adam" else "")
        axes[0].plot(e, [float(r["test_acc"]) for r in grp], color=colors[(opt, lr)], marker="o", ms=3, label=label)
        axes[1].plot(e, [float(r["train_loss"]) for r in grp], color=colors[(opt, lr)], marker="o", ms=3,
                     label=f"{label} train")
        axes[1].plot(e, [float(r["test_loss"]) for r in grp], color=colors[(opt, lr)], ls="--", label=f"{label} test")
    axes[0].set_title("CNN, 1 seed: test accuracy")
    axes[1].set_title("loss (log)")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(S.RESULTS, "cnn15.png"), dpi=100)


def main():
    S.run_mode(__doc__, {"run": run, "table": table, "plot": plot})


if __name__ == "__main__":
    main()
