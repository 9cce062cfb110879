#!/usr/bin/env python3
"""Section "Java against PyTorch" of docs/results.md: the same models, data order and initialisation
scheme (torch's) trained by `./pamadam compare --init torch` and by tools/torch_study.py.

  python3 tools/study_side.py run     # MLP 3 seeds x 5 epochs, CNN 2 seeds x 3 epochs, both sides
                                      # ~25 min on 2 cores (needs python3-torch)
  python3 tools/study_side.py table   # the tables, from docs/results/side-*-metrics.csv
  python3 tools/study_side.py plot    # docs/results/side-mlp.png, side-cnn.png (tools/plot_study.py side)
"""
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402

RUNS = {"mlp": {"seeds": 3, "epochs": 5}, "cnn": {"seeds": 2, "epochs": 3}}
OPTIMIZERS = "pamadam,adam,adamw"


def path(model, side):
    return os.path.join(S.RESULTS, f"side-{model}-{side}-metrics.csv")


def run(args):
    for model, r in RUNS.items():
        flags = {"model": model, "optimizers": OPTIMIZERS, "lr": "1e-3", "seeds": r["seeds"], "epochs": r["epochs"],
                 "init": "torch"}
        rows, _ = S.compare(f"side-{model}-java", flags)
        os.replace(os.path.join(S.RESULTS, f"side-{model}-java.csv"), path(model, "java"))
        raw = path(model, "torch") + ".raw"
        cmd = [sys.executable, "tools/torch_study.py", "--threads", "1", "--model", model, "--optimizers", OPTIMIZERS,
               "--lr", "1e-3", "--seeds", str(r["seeds"]), "--epochs", str(r["epochs"]), "--out", raw]
        subprocess.run(cmd, cwd=S.ROOT, check=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        S.write_csv(path(model, "torch"), S.annotate_rows(S.read_csv(raw),
                                                          {"engine": "pytorch", "model": model, "init": "torch",
                                                           "epochs": r["epochs"]}))
        os.remove(raw)


def table(args):
    for model, r in RUNS.items():
        java, torch = S.read_csv(path(model, "java")), S.read_csv(path(model, "torch"))
        jf, tf = S.at_epoch(java), S.at_epoch(torch)
        print(f"\n{model.upper()}, {r['epochs']} epochs, {r['seeds']} seeds: test accuracy and training loss after the "
              "last epoch, mean ± sd over seeds\n")
        body = []
        for opt in OPTIMIZERS.split(","):
            j = [x for x in jf if x["optimizer"] == opt]
            t = [x for x in tf if x["optimizer"] == opt]
            body.append([f"{opt} 1e-3", S.acc_cell(j), S.acc_cell(t),
                         S.mean_sd([float(x["train_loss"]) for x in j]), S.mean_sd([float(x["train_loss"]) for x in t])])
        S.markdown(["", "Java test acc", "PyTorch test acc", "Java train loss", "PyTorch train loss"], body)
        # Per run and epoch, Java against PyTorch.
        tk = {(x["optimizer"], x["seed"], x["epoch"]): x for x in torch}
        dacc, dloss, e1 = [], [], []
        for x in java:
            y = tk[(x["optimizer"], x["seed"], x["epoch"])]
            dacc.append(abs(float(x["test_acc"]) - float(y["test_acc"])))
            dloss.append(abs(float(x["train_loss"]) - float(y["train_loss"])))
            if x["epoch"] == "1":
                e1.append(abs(float(x["train_loss"]) - float(y["train_loss"])))
        print(f"\nEvery run and epoch ({len(dacc)} pairs): |Java - PyTorch| test accuracy at most {max(dacc):.4f}, "
              f"training loss at most {max(dloss):.4f}; epoch-1 training loss at most {max(e1):.6f} apart "
              f"over the {len(e1)} runs.")
        for side, rows in (("Java", java), ("PyTorch", torch)):
            secs = [float(x["seconds"]) for x in rows]
            print(f"{side}: training seconds per epoch {min(secs):.1f} to {max(secs):.1f} "
                  f"(median {statistics.median(secs):.1f}), {sum(secs):.0f} s in all.")


def plot(args):
    for model in RUNS:
        subprocess.run([sys.executable, "tools/plot_study.py", "side", path(model, "java"), path(model, "torch"),
                        os.path.join(S.RESULTS, f"side-{model}.png")], cwd=S.ROOT, check=True)


def main():
    S.run_mode(__doc__, {"run": run, "table": table, "plot": plot})


if __name__ == "__main__":
    main()
