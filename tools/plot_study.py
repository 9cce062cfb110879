#!/usr/bin/env python3
"""Plots and tables for docs/results.md from the study's raw CSVs (optional; needs python3-matplotlib).

  side   JAVA_CSV TORCH_CSV OUT.png   Java (solid) and PyTorch (dashed) curves per optimizer: mean test
                                      accuracy and train loss over seeds, min..max band
  ratios RATIOS_CSV OUT.png [OPT ...] each tensor's trust ratio at every step (from --log-ratios), one
                                      panel per optimizer, first seed and lr found
  table  CSV [CSV ...]                markdown table of the last epoch: mean +- sd over seeds per
                                      (optimizer, lr[, recipe]), with the number of diverged seeds

Every CSV has the header of pamadam's metrics.csv (tools/torch_study.py writes the same); an optional
`recipe` column, when present, is part of the key.
"""
import csv
import math
import statistics
import sys
from collections import defaultdict


def rows(path):
    import gzip
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        return list(csv.DictReader(f))


def key(r):
    return (r["optimizer"], float(r["lr"]), r.get("recipe", "") or "")


def curves(data, column):
    """(optimizer, lr, recipe) -> epoch -> list of values over seeds."""
    out = defaultdict(lambda: defaultdict(list))
    for r in data:
        out[key(r)][int(r["epoch"])].append(float(r[column]))
    return out


def label(k):
    opt, lr, recipe = k
    return f"{opt} lr={lr:g}" + (f" {recipe}" if recipe else "")


def side(java_csv, torch_csv, out_png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = {}
    for source, path, style in (("Java", java_csv, "-"), ("PyTorch", torch_csv, "--")):
        data = rows(path)
        for ax, column in zip(axes, ("test_acc", "train_loss")):
            for k, by_epoch in sorted(curves(data, column).items()):
                epochs = sorted(by_epoch)
                finite = [[v for v in by_epoch[e] if not math.isnan(v)] for e in epochs]
                mean = [statistics.fmean(v) if v else math.nan for v in finite]
                color = colors.setdefault(k, f"C{len(colors)}")
                ax.plot(epochs, mean, style, color=color, marker="o", ms=3, label=f"{source}: {label(k)}")
                ax.fill_between(epochs, [min(v) if v else math.nan for v in finite],
                                [max(v) if v else math.nan for v in finite], color=color, alpha=0.12)
    axes[0].set_title("test accuracy (mean over seeds, min..max band)")
    axes[1].set_title("training loss")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)


def ratios(path, out_png, optimizers):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    data = rows(path)
    optimizers = optimizers or sorted({r["optimizer"] for r in data})
    fig, axes = plt.subplots(1, len(optimizers), figsize=(6 * len(optimizers), 4.5), squeeze=False)
    for ax, opt in zip(axes[0], optimizers):
        mine = [r for r in data if r["optimizer"] == opt]
        if not mine:
            raise SystemExit(f"{path}: no rows for optimizer {opt}")
        first = (mine[0]["lr"], mine[0]["seed"])
        series = defaultdict(list)
        for r in mine:
            if (r["lr"], r["seed"]) == first:
                series[r["tensor"]].append((int(r["step"]), float(r["ratio"])))
        for tensor, points in series.items():
            ax.plot([p[0] for p in points], [p[1] for p in points], lw=0.8, label=tensor)
        ax.axhline(1.0, color="black", ls="--", lw=0.8, label="ratio 1: Adam's step")
        ax.set_yscale("log")
        ax.set_title(f"{opt} lr={first[0]} seed {first[1]}: trust ratio per tensor")
        ax.set_xlabel("optimizer step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)


def table(paths, epoch=None):
    data = [r for p in paths for r in rows(p)]
    last = epoch if epoch is not None else max(int(r["epoch"]) for r in data)
    groups = defaultdict(list)
    for r in data:
        if int(r["epoch"]) == last:
            groups[key(r)].append(r)
    has_recipe = any(k[2] for k in groups)
    head = "| optimizer | lr |" + (" recipe |" if has_recipe else "") + " seeds | test acc | test loss | train loss |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for k in sorted(groups):
        rs = groups[k]
        ok = [r for r in rs if not math.isnan(float(r["test_acc"]))]
        diverged = len(rs) - len(ok)

        def stat(col, digits):
            vals = [float(r[col]) for r in ok]
            if not vals:
                return "diverged"
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            return f"{statistics.fmean(vals):.{digits}f} ± {sd:.{digits}f}"
        acc = stat("test_acc", 4) + (f" ({diverged} of {len(rs)} diverged)" if diverged and ok else "")
        loss = statistics.fmean(float(r["test_loss"]) for r in ok) if ok else math.nan
        train = statistics.fmean(float(r["train_loss"]) for r in ok) if ok else math.nan
        print(f"| {k[0]} | {k[1]:g} |" + (f" {k[2] or '-'} |" if has_recipe else "")
              + f" {len(rs)} | {acc} | {loss:.4f} | {train:.4f} |")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "side" and len(args) == 3:
        side(*args)
    elif mode == "ratios" and len(args) >= 2:
        ratios(args[0], args[1], args[2:])
    elif mode == "table" and len(args) >= 3 and args[0] == "--epoch":
        table(args[2:], int(args[1]))
    elif mode == "table":
        table(args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
