#!/usr/bin/env python3
"""The PyTorch side of the study: the same MLP and CNN as `./pamadam compare`, trained in PyTorch.

Optional, not part of CI. Needs Debian's python3-torch (and the full Fashion-MNIST from Debian's
dataset-fashion-mnist, or --data DIR with the four IDX files).

What matches the Java side (pamadam-cli):
- models: the MLP 784-256-128-10 with ReLU, and the CNN of two conv3x3(pad 1)-BatchNorm-ReLU-maxpool2
  stages (16 and 32 filters), a 128-unit ReLU layer and 10 outputs (Models.java);
- data: pixels / 255, no other normalisation; batch size 128 by default; the training order of each
  epoch is the Java run's order exactly: java.util.Random(seed * 1000003 + epoch) driving the same
  Fisher-Yates shuffle (DataOrder.java), reimplemented below; the last batch is the remainder;
- loss: softmax cross-entropy, mean over the batch; train loss reported as the size-weighted mean over
  the epoch; test loss and accuracy in eval mode, in batches of 1000;
- output: a CSV with the Java metrics.csv header, so tools/plot_study.py reads both.

What does not match: the initial weights. torch.manual_seed(seed) and each layer's default
initialisation (kaiming_uniform_ with a = sqrt(5), biases uniform in +-1/sqrt(fan_in)). Run the Java
side with `--init torch` to draw from the same distributions (not the same numbers).

Optimizers: pamadam (the seed's algorithm with the zero guard, below), and torch's own Adam, AdamW
(weight_decay 0.01, as this project's adamw preset) and SGD (momentum 0.9).

Example (what docs/results.md ran):
  python3 tools/torch_study.py --threads 1 --model mlp --optimizers pamadam,adam,adamw --lr 1e-3 \
      --seeds 3 --epochs 5 --out docs/results/side-mlp-torch-metrics.csv
"""
import argparse
import gzip
import math
import os
import struct
import sys
import time

# PyTorch's intra-op threads spin when other jobs share the cores (epochs up to 20 times slower): OpenMP's
# pool follows OMP_NUM_THREADS, read when torch loads, so it is set here; --threads sets torch's own.
os.environ.setdefault("OMP_NUM_THREADS", "1")
try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    Optimizer = torch.optim.Optimizer
except ImportError:  # --check-order needs no torch
    torch = None
    Optimizer = object

HEADER = "optimizer,lr,seed,epoch,train_loss,test_loss,test_acc,seconds,opt_step_ms,opt_share"
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"


class JavaRandom:
    """java.util.Random: the 48-bit linear congruential generator and its nextInt(bound)."""

    MULT = 0x5DEECE66D
    MASK = (1 << 48) - 1

    def __init__(self, seed):
        self.state = (seed ^ self.MULT) & self.MASK

    def next_bits(self, bits):
        self.state = (self.state * self.MULT + 0xB) & self.MASK
        r = self.state >> (48 - bits)
        return r - (1 << 32) if r >= (1 << 31) else r

    def next_int(self, bound):
        r = self.next_bits(31)
        m = bound - 1
        if bound & m == 0:
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            # Java loops while the int expression u - r + m overflows (is negative).
            if u - r + m < (1 << 31):
                return r
            u = self.next_bits(31)


def epoch_order(seed, n, epoch):
    """DataOrder.forEpoch: Fisher-Yates over 0..n-1 with java.util.Random(seed * 1000003 + epoch)."""
    rnd = JavaRandom(seed * 1000003 + epoch)
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rnd.next_int(i + 1)
        p[i], p[j] = p[j], p[i]
    return p


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def load(data_dir):
    def one(name):
        for candidate in (name + ".gz", name):
            path = os.path.join(data_dir, candidate)
            if os.path.exists(path):
                return read_idx(path)
        raise SystemExit(f"{data_dir}: missing {name} (or {name}.gz)")
    xtr = one("train-images-idx3-ubyte").float().div_(255.0)
    ytr = one("train-labels-idx1-ubyte").long()
    xte = one("t10k-images-idx3-ubyte").float().div_(255.0)
    yte = one("t10k-labels-idx1-ubyte").long()
    return xtr, ytr, xte, yte


def build(model):
    if model == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    if model == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    raise SystemExit(f"unknown model {model!r}, expected mlp or cnn")


class PAMAdam(Optimizer):
    """The seed's PAMAdam, per tensor with its own step count, with the zero guard (ratio 1 when
    mean|p| or mean|step| is 0). Optional decoupled weight decay, as this project's preset."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @(torch.no_grad() if torch is not None else (lambda f: f))
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["t"] = 0
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                st["t"] += 1
                t, m, v, g = st["t"], st["m"], st["v"], p.grad
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                step = (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + group["eps"])
                pm = p.abs().mean().item()
                sm = step.abs().mean().item()
                ratio = pm / sm if pm > 0 and sm > 0 else 1.0
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_(step, alpha=-group["lr"] * ratio)


def optimizer(name, params, lr):
    if name == "pamadam":
        return PAMAdam(params, lr=lr)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    raise SystemExit(f"unknown optimizer {name!r}, expected pamadam, adam, adamw or sgd")


def evaluate(net, x, y, shape):
    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(y), 1000):
            xb = x[start:start + 1000].reshape(shape(len(y[start:start + 1000])))
            yb = y[start:start + 1000]
            logits = net(xb)
            loss_sum += F.cross_entropy(logits, yb).item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
    net.train()
    return loss_sum / len(y), correct / len(y)


def run(args, name, lr, seed, data, out):
    xtr, ytr, xte, yte = data
    torch.manual_seed(seed)
    net = build(args.model)
    opt = optimizer(name, net.parameters(), lr)

    def shape(b):
        return (b, 1, 28, 28) if args.model == "cnn" else (b, 784)
    n = len(ytr)
    for epoch in range(1, args.epochs + 1):
        order = torch.tensor(epoch_order(seed, n, epoch))
        start = time.perf_counter()
        opt_seconds, loss_sum = 0.0, 0.0
        batches = (n + args.batch_size - 1) // args.batch_size
        diverged = False
        for b in range(batches):
            idx = order[b * args.batch_size:(b + 1) * args.batch_size]
            xb, yb = xtr[idx].reshape(shape(len(idx))), ytr[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            if not all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None):
                diverged = True  # as the Java side: a non-finite gradient ends the run
                break
            t0 = time.perf_counter()
            opt.step()
            opt_seconds += time.perf_counter() - t0
            loss_sum += loss.item() * len(idx)
        seconds = time.perf_counter() - start
        if diverged:
            out.write(f"{name},{lr},{seed},{epoch},NaN,NaN,NaN,{seconds:.3f},NaN,NaN\n")
            print(f"{name} lr={lr} seed={seed} epoch {epoch}: diverged (non-finite gradient)", file=sys.stderr)
            for later in range(epoch + 1, args.epochs + 1):
                out.write(f"{name},{lr},{seed},{later},NaN,NaN,NaN,0.000,NaN,NaN\n")
            out.flush()
            return
        test_loss, test_acc = evaluate(net, xte, yte, shape)
        out.write(f"{name},{lr},{seed},{epoch},{loss_sum / n:.6f},{test_loss:.6f},{test_acc:.4f},{seconds:.3f},"
                  f"{opt_seconds * 1000 / batches:.4f},{opt_seconds / seconds:.4f}\n")
        out.flush()
        print(f"{name} lr={lr} seed={seed} epoch {epoch}: train loss {loss_sum / n:.4f} test acc {test_acc:.4f}"
              f" ({seconds:.1f} s)", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    ap.add_argument("--optimizers", default="pamadam,adam,adamw")
    ap.add_argument("--lr", default="1e-3", help="comma-separated learning rates, each run for every optimizer")
    ap.add_argument("--seeds", type=int, default=3, help="seeds 1..N, as the Java CLI")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=os.environ.get("PAMADAM_DATA", DEBIAN_DIR))
    ap.add_argument("--out", help="CSV to write (metrics.csv columns); required unless --check-order")
    ap.add_argument("--check-order", action="store_true",
                    help="print the first indices of seed 1 epoch 1's order and exit (compare with Java)")
    args = ap.parse_args()
    if args.check_order:
        print(epoch_order(1, 60000, 1)[:10])
        return
    if not args.out:
        ap.error("--out is required (the CSV to write)")
    if torch is None:
        raise SystemExit("torch_study.py: needs PyTorch (Debian: apt-get install python3-torch)")
    torch.set_num_threads(args.threads)
    data = load(args.data)
    with open(args.out, "w") as out:
        out.write(HEADER + "\n")
        for name in args.optimizers.split(","):
            for lr in (float(x) for x in args.lr.split(",")):
                for seed in range(1, args.seeds + 1):
                    run(args, name, lr, seed, data, out)


if __name__ == "__main__":
    main()
