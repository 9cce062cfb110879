#!/usr/bin/env python3
"""Section "Large batches" of docs/results.md: PAMAdam, LAMB, Adam and AdamW on the full Fashion-MNIST
MLP at batch 128, 1024, 4096 and 8192, the same number of epochs at every batch size, linear warmup over
5% of the steps then cosine decay to 0, lr bracketed at batch 128 and scaled by sqrt(batch/128).

  python3 tools/study_largebatch.py bracket [--optimizers ...]  # batch 128, 5 lrs x 3 seeds    ~15 min
  python3 tools/study_largebatch.py grid                        # 1024/4096/8192 at the scaled lr ~8 min
  python3 tools/study_largebatch.py retune                      # 4096, 8192 at half, twice the lr ~8 min
  python3 tools/study_largebatch.py cnn                         # CNN at 128 and 4096 (see CNN_*)  ~90 min
  python3 tools/study_largebatch.py table                       # the tables, from the committed CSVs
  python3 tools/study_largebatch.py plot                        # docs/results/lb-mlp.png

Wall times are for the 2-core machine with nothing else running, OMP_NUM_THREADS=1 (studylib sets it);
each compare call's wall time is in the .log next to its CSV. On a shared machine set
PAMADAM_LOCK=/tmp/pamadam-heavy.lock: each compare call then runs under `flock` on it.
"""
import argparse
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402

OPTIMIZERS = ["pamadam", "lamb", "adam", "adamw"]
EPOCHS = 10
SEEDS = 3
BRACKET_LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
BATCHES = [128, 1024, 4096, 8192]
CNN_BATCHES = [128, 4096]
CNN_EPOCHS = 3
CNN_SEEDS = 2
CNN_OPTIMIZERS = ["pamadam", "lamb", "adam"]  # AdamW left out for time (on the MLP it is Adam within 0.001)
BRACKET = "lb-bracket-mlp"
GRID = "lb-grid-mlp"
CNN = "lb-cnn"
RETUNE = "lb-retune-mlp"
RETUNE_FACTORS = [0.5, 2.0]  # times the sqrt-scaled lr, to see whether a large-batch gap is the lr rule's


def flags(batch, epochs=EPOCHS, model="mlp", seeds=SEEDS):
    return {"model": model, "batch-size": batch, "epochs": epochs, "seeds": seeds, "schedule": "cosine",
            "warmup": S.warmup_steps(batch, epochs)}


def best_lrs():
    """optimizer -> (best lr at batch 128, the bracket's accuracies by lr). Best: highest mean final test
    accuracy over seeds; a run that diverged counts as accuracy 0.1 (chance)."""
    rows = S.at_epoch(S.read_csv(os.path.join(S.RESULTS, BRACKET + ".csv")))
    out = {}
    for opt in OPTIMIZERS:
        by_lr = {}
        for (o, lr), g in S.groups(rows, ["optimizer", "lr"]).items():
            if o == opt:
                accs = [float(r["test_acc"]) for r in g]
                by_lr[float(lr)] = statistics.fmean(a if S.finite(a) else 0.1 for a in accs)
        if by_lr:
            out[opt] = (max(by_lr, key=by_lr.get), by_lr)
    return out


def scaled(lr, batch):
    return float(f"{lr * math.sqrt(batch / 128):.4g}")


def run_bracket(args):
    opts = args.optimizers.split(",")
    for i, opt in enumerate(opts):
        f = dict(flags(128), optimizers=opt, lr=",".join(f"{x:g}" for x in BRACKET_LRS))
        S.compare(BRACKET, f, append=args.append or i > 0)


def run_grid(args):
    best = best_lrs()
    for opt, (lr, by_lr) in best.items():
        lrs = sorted(by_lr)
        if lr in (lrs[0], lrs[-1]):
            raise SystemExit(f"{opt}: best lr {lr:g} is at the bracket's edge; widen BRACKET_LRS first")
    batches = [int(b) for b in args.batches.split(",")]
    for i, batch in enumerate(batches):
        lrs = ",".join(f"{opt}={scaled(best[opt][0], batch):g}" for opt in OPTIMIZERS)
        f = dict(flags(batch), optimizers=",".join(OPTIMIZERS), lr=lrs)
        S.compare(GRID, f, append=args.append or i > 0)


def run_retune(args):
    best = best_lrs()
    batches = [int(b) for b in args.batches.split(",")]
    for i, batch in enumerate(batches):
        lrs = ",".join(f"{opt}={scaled(best[opt][0], batch) * k:.4g}" for opt in OPTIMIZERS for k in RETUNE_FACTORS)
        f = dict(flags(batch), optimizers=",".join(OPTIMIZERS), lr=lrs)
        S.compare(RETUNE, f, append=args.append or i > 0)


def retune_table(grid_rows):
    rows = S.at_epoch(S.read_csv(os.path.join(S.RESULTS, RETUNE + ".csv")) + grid_rows)
    batches = sorted({int(r["batch_size"]) for r in S.read_csv(os.path.join(S.RESULTS, RETUNE + ".csv"))})
    for b in batches:
        print(f"\nMLP at batch {b}: the sqrt-scaled lr against half and twice it (final test accuracy, n = 3 each)\n")
        body, best = [], {}
        for opt in OPTIMIZERS:
            mine = [r for r in rows if r["optimizer"] == opt and int(r["batch_size"]) == b]
            by_lr = S.groups(mine, ["lr"])
            lrs = sorted(by_lr, key=lambda k: float(k[0]))
            cells = [opt]
            for lr in lrs:
                accs = [float(r["test_acc"]) if S.finite(float(r["test_acc"])) else 0.1 for r in by_lr[lr]]
                if opt not in best or statistics.fmean(accs) > statistics.fmean(best[opt][1]):
                    best[opt] = (float(lr[0]), accs)
                cells.append(f"{float(lr[0]):.4g}: {S.acc_cell(by_lr[lr])}")
            body.append(cells)
        S.markdown(["optimizer", "lr / 2", "sqrt-scaled lr", "lr x 2"], body)
        print(f"\nAt batch {b}, each optimizer at the best of its three lrs: PAMAdam minus the others (Welch t)\n")
        pam = best["pamadam"][1]
        S.markdown(["", "pamadam", "lamb", "adam", "adamw"],
                   [["best lr"] + [f"{best[o][0]:.4g}" for o in OPTIMIZERS],
                    ["test acc"] + [S.mean_sd(best[o][1]) for o in OPTIMIZERS],
                    ["pamadam - it"] + ["-"] + [f"{statistics.fmean(pam) - statistics.fmean(best[o][1]):+.4f} "
                                                 f"(t {welch(pam, best[o][1]):+.1f})" for o in OPTIMIZERS[1:]]])


def run_cnn(args):
    best = best_lrs()
    batches = [int(b) for b in args.batches.split(",")]
    for i, batch in enumerate(batches):
        lrs = ",".join(f"{opt}={scaled(best[opt][0], batch):g}" for opt in CNN_OPTIMIZERS)
        f = dict(flags(batch, CNN_EPOCHS, "cnn", CNN_SEEDS), optimizers=",".join(CNN_OPTIMIZERS), lr=lrs)
        S.compare(CNN, f, append=args.append or i > 0)


def welch(a, b):
    """Welch's t statistic of mean(a) - mean(b)."""
    if len(a) < 2 or len(b) < 2:
        return math.nan
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    d = statistics.fmean(a) - statistics.fmean(b)
    if va + vb == 0:
        return math.nan if abs(d) < 1e-9 else math.copysign(math.inf, d)
    return d / math.sqrt(va + vb)


def big_table(rows, title):
    final = S.at_epoch(rows)
    g = S.groups(final, ["batch_size", "optimizer"])
    batches = sorted({int(b) for b, _ in g})
    print(f"\n{title}: final test accuracy, mean ± sd over seeds (n per cell in brackets), lr used\n")
    head = ["batch", "steps"] + OPTIMIZERS
    body = []
    for b in batches:
        cells = [str(b), str(S.steps_per_epoch(b) * int(final[0]["epochs"]))]
        for opt in OPTIMIZERS:
            grp = g.get((str(b), opt), [])
            cells.append(f"{S.acc_cell(grp)} (n={len(grp)}, lr {float(grp[0]['lr']):g})" if grp else "-")
        body.append(cells)
    S.markdown(head, body)
    n = min(len(grp) for grp in g.values())
    crit = {2: 12.7, 3: 4.3}.get(n, 4.3)  # two-sided 5% t at the smallest Welch df, n - 1
    print(f"\n{title}: PAMAdam minus each other optimizer (mean difference, Welch t; with n = {n} per cell,"
          f" |t| > {crit} is beyond the seed spread, two-sided 5% at df = {n - 1})\n")
    body = []
    for b in batches:
        pam = [float(r["test_acc"]) for r in g.get((str(b), "pamadam"), [])]
        cells = [str(b)]
        for opt in OPTIMIZERS[1:]:
            other = [float(r["test_acc"]) for r in g.get((str(b), opt), [])]
            pa = [x if S.finite(x) else 0.1 for x in pam]
            ot = [x if S.finite(x) else 0.1 for x in other]
            if not pa or not ot:
                cells.append("-")
                continue
            d = statistics.fmean(pa) - statistics.fmean(ot)
            cells.append(f"{d:+.4f} (t {welch(pa, ot):+.1f})")
        body.append(cells)
    S.markdown(["batch"] + [f"pamadam - {o}" for o in OPTIMIZERS[1:]], body)


def table(args):
    rows = S.read_csv(os.path.join(S.RESULTS, BRACKET + ".csv"))
    final = S.at_epoch(rows)
    g = S.groups(final, ["optimizer", "lr"])
    lrs = sorted({float(lr) for _, lr in g})
    print(f"lr bracket at batch 128, {final[0]['epochs']} epochs, cosine with warmup {final[0]['warmup']}: "
          "final test accuracy, mean ± sd over seeds\n")
    body = []
    best = best_lrs()
    for opt in OPTIMIZERS:
        cells = [opt]
        seeds = set()
        for lr in lrs:
            grp = [r for (o, l), rs in g.items() if o == opt and float(l) == lr for r in rs]
            seeds.update(r["seed"] for r in grp)
            cell = S.acc_cell(grp) if grp else "-"
            cells.append(f"**{cell}**" if opt in best and best[opt][0] == lr else cell)
        cells.append(str(len(seeds)))
        body.append(cells)
    S.markdown(["optimizer"] + [f"lr {lr:g}" for lr in lrs] + ["seeds"], body)
    grid = os.path.join(S.RESULTS, GRID + ".csv")
    if os.path.exists(grid):
        chosen = [r for r in rows if opt_lr_match(r, best)]
        big_table(chosen + S.read_csv(grid), "MLP")
        if os.path.exists(os.path.join(S.RESULTS, RETUNE + ".csv")):
            retune_table(S.read_csv(grid))
    cnn = os.path.join(S.RESULTS, CNN + ".csv")
    if os.path.exists(cnn):
        big_table(S.read_csv(cnn), "CNN with batch norm")
    seconds = {}
    for name in (BRACKET, GRID, CNN):
        path = os.path.join(S.RESULTS, name + ".csv")
        if os.path.exists(path):
            for (model, b), grp in S.groups(S.read_csv(path), ["model", "batch_size"]).items():
                secs = [float(r["seconds"]) for r in grp if S.finite(float(r["seconds"]))]
                seconds.setdefault((model, int(b)), []).extend(secs)
    print("\nTraining seconds per epoch (the CSVs' seconds column; evaluation and start-up not included)\n")
    S.markdown(["model", "batch", "epochs", "min", "median", "max"],
               [[m, b, len(s), f"{min(s):.1f}", f"{statistics.median(s):.1f}", f"{max(s):.1f}"]
                for (m, b), s in sorted(seconds.items())])


def opt_lr_match(r, best):
    return r["optimizer"] in best and float(r["lr"]) == best[r["optimizer"]][0]


def plot(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    best = best_lrs()
    rows = [r for r in S.read_csv(os.path.join(S.RESULTS, BRACKET + ".csv")) if opt_lr_match(r, best)]
    rows += S.read_csv(os.path.join(S.RESULTS, GRID + ".csv"))
    panels = [("MLP", rows)]
    cnn = os.path.join(S.RESULTS, CNN + ".csv")
    if os.path.exists(cnn) and len({r["batch_size"] for r in S.read_csv(cnn)}) > 1:
        panels.append(("CNN with batch norm", S.read_csv(cnn)))
    colors = {"pamadam": "tab:red", "lamb": "tab:blue", "adam": "tab:green", "adamw": "tab:orange"}
    markers = {"pamadam": "o", "lamb": "s", "adam": "^", "adamw": "v"}
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.5), squeeze=False)
    for ax, (title, data) in zip(axes[0], panels):
        final = S.at_epoch(data)
        g = S.groups(final, ["optimizer", "batch_size"])
        for i, opt in enumerate(OPTIMIZERS):
            bs = sorted({int(b) for o, b in g if o == opt})
            # a small horizontal offset per optimizer so that the error bars do not hide each other
            xs = [b * (1 + 0.04 * (i - 1.5)) for b in bs]
            means, sds = [], []
            for b in bs:
                accs = [float(r["test_acc"]) if S.finite(float(r["test_acc"])) else 0.1 for r in g[(opt, str(b))]]
                means.append(statistics.fmean(accs))
                sds.append(statistics.stdev(accs) if len(accs) > 1 else 0)
                ax.scatter([b * (1 + 0.04 * (i - 1.5))] * len(accs), accs, color=colors[opt], s=8, alpha=0.5)
            ax.errorbar(xs, means, yerr=sds, color=colors[opt], marker=markers[opt], capsize=3, label=opt)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({int(b) for _, b in g}))
        ax.set_xticklabels([str(b) for b in sorted({int(b) for _, b in g})])
        ax.set_xlabel("batch size (lr scaled by sqrt(batch/128))")
        ax.set_ylabel("final test accuracy")
        ax.set_title(f"{title}, {final[0]['epochs']} epochs, mean ± sd and each seed")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(S.RESULTS, "lb-mlp.png"), dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["bracket", "grid", "retune", "cnn", "table", "plot"])
    ap.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    ap.add_argument("--batches", default=None)
    ap.add_argument("--append", action="store_true", help="append to the CSV instead of starting it afresh")
    args = ap.parse_args()
    if args.batches is None:
        args.batches = {"grid": ",".join(str(b) for b in BATCHES[1:]), "retune": "4096,8192"}.get(
            args.mode, ",".join(str(b) for b in CNN_BATCHES))
    {"bracket": run_bracket, "grid": run_grid, "retune": run_retune, "cnn": run_cnn, "table": table,
     "plot": plot}[args.mode](args)


if __name__ == "__main__":
    main()
