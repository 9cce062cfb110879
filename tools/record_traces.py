#!/usr/bin/python3
"""Records the torch-side optimizer traces (pamadam-trace/1) that the replay tests check against.

Each case below is a small, fixed optimizer run: parameters start from seeded random values, the
gradients are seeded random tensors (or, for least_squares, the gradients of a closed-loop
problem), and the optimizer is PyTorch's own (torch.optim.Adam, AdamW, SGD,
torch.nn.utils.clip_grad_norm_) or, where torch has none, a reference written here from the
published algorithm: the seed's PAMAdam with the zero guard, and LAMB as timm's `Lamb` defines it
(bias correction, weight decay added to the update inside the trust ratio, always_adapt, optional
global-norm clipping without the 1e-6). Everything runs in float32 on one thread, so a rerun writes
the same bytes.

Usage (Debian's python3-torch; use /usr/bin/python3, not another python on PATH):
  /usr/bin/python3 tools/record_traces.py --out /tmp/traces            # every case
  /usr/bin/python3 tools/record_traces.py --out /tmp/traces zero_bias  # named cases
  ./pamadam replay /tmp/traces/zero_bias.json                          # check one against the Java side
  /usr/bin/python3 tools/record_traces.py --check pamadam-trace/src/main/resources/golden/*.json
      # the other way round: the bundled traces' gradients through this script's optimizers

The format and the agreement bounds: pamadam-trace/src/main/resources/golden/README.md.
"""
import argparse
import base64
import json
import math
import os
import sys
import zlib

import torch


def b64(t):
    return base64.b64encode(t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()).decode()


def pamadam_step(p, g, st, lr, b1, b2, eps):
    """One PAMAdam step of one tensor (README formula); returns the ratio as a float32 value."""
    st["t"] += 1
    t = st["t"]
    st["m"].mul_(b1).add_(g, alpha=1 - b1)
    st["v"].mul_(b2).addcmul_(g, g, value=1 - b2)
    step = (st["m"] / (1 - b1 ** t)) / ((st["v"] / (1 - b2 ** t)).sqrt() + eps)
    pm, sm = p.abs().mean(), step.abs().mean()
    ratio = torch.ones((), dtype=torch.float32) if pm.item() == 0.0 or sm.item() == 0.0 else pm / sm
    p.sub_(step * (lr * ratio))
    return float(ratio)


def lamb_step(params, grads, state, h):
    """timm's Lamb semantics, one step over all tensors (global clip first, then per tensor)."""
    b1, b2 = h["betas"]
    scale = 1.0
    if h.get("max_grad_norm") is not None:
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads if g is not None]))
        scale = max(norm.item() / h["max_grad_norm"], 1.0)
    for p, g in zip(params, grads):
        if g is None:
            continue
        g = g / scale
        st = state.setdefault(id(p), {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
        st["t"] += 1
        t = st["t"]
        st["m"].mul_(b1).add_(g, alpha=1 - b1)
        st["v"].mul_(b2).addcmul_(g, g, value=1 - b2)
        update = (st["m"] / (1 - b1 ** t)) / (st["v"].sqrt() / math.sqrt(1 - b2 ** t) + h["eps"])
        update = update + h["weight_decay"] * p
        wn, un = torch.linalg.vector_norm(p).item(), torch.linalg.vector_norm(update).item()
        ratio = wn / un if wn > 0 and un > 0 else 1.0
        p.sub_(update * (h["lr"] * ratio))


class Recorder:
    """Runs one case: makes the inits and gradients, applies the optimizer, writes the JSON."""

    def __init__(self, case):
        self.case = case
        torch.manual_seed(zlib.crc32(case["name"].encode()))

    def run(self):
        c = self.case
        h = c["hyper"]
        params = []
        for name, shape, init in c["params"]:
            p = torch.zeros(shape) if init == "zeros" else torch.randn(shape) * init
            params.append((name, p))
        record = {"format": "pamadam-trace/1", "name": c["name"], "kind": c["kind"], "note": c["note"],
                  "optimizer": c["optimizer"], "hyper": h, "dtype": "float32",
                  "params": [{"name": n, "shape": list(p.shape), "init": b64(p)} for n, p in params],
                  "steps": []}
        live = [p.clone() for _, p in params]
        stepper = Stepper(c["optimizer"], h, [n for n, _ in params], live)
        every = c.get("expected_every", 1)
        for i in range(c["steps"]):
            grads = [c["grad"](i, n, p, live[k]) for k, (n, p) in enumerate(params)]
            entry = {"grads": {n: (None if g is None else b64(g)) for (n, _), g in zip(params, grads)}}
            ratios = stepper.step(grads)
            if ratios is not None:
                entry["ratios"] = ratios
            if (i + 1) % every == 0 or i == c["steps"] - 1:
                entry["expected"] = {n: b64(p) for (n, _), p in zip(params, live)}
            record["steps"].append(entry)
        return record


class Stepper:
    """One optimizer over named live tensors: torch.optim where torch has it, else the references above."""

    def __init__(self, optimizer, h, names, live):
        self.optimizer, self.h, self.names, self.live, self.state = optimizer, h, names, live, {}
        wd = h.get("weight_decay", 0.0)
        if optimizer == "adam":
            self.opt = torch.optim.Adam(live, lr=h["lr"], betas=tuple(h["betas"]), eps=h["eps"], weight_decay=wd)
        elif optimizer == "adamw":
            self.opt = torch.optim.AdamW(live, lr=h["lr"], betas=tuple(h["betas"]), eps=h["eps"], weight_decay=wd)
        elif optimizer == "sgd":
            self.opt = torch.optim.SGD(live, lr=h["lr"], momentum=h["momentum"], weight_decay=wd)

    def step(self, grads):
        """Applies one step; returns the ratios by name for pamadam, else None."""
        h = self.h
        if self.optimizer == "pamadam":
            b1, b2 = h["betas"]
            ratios = {}
            for n, p, g in zip(self.names, self.live, grads):
                if g is not None:
                    st = self.state.setdefault(n, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
                    ratios[n] = pamadam_step(p, g, st, h["lr"], b1, b2, h["eps"])
            return ratios
        if self.optimizer == "lamb":
            lamb_step(self.live, grads, self.state, h)
            return None
        for p, g in zip(self.live, grads):
            p.grad = None if g is None else g.clone()
        if h.get("max_grad_norm") is not None:
            torch.nn.utils.clip_grad_norm_([p for p in self.live if p.grad is not None], h["max_grad_norm"])
        self.opt.step()
        return None


def decode(text, shape):
    return torch.frombuffer(bytearray(base64.b64decode(text)), dtype=torch.float32).reshape(shape).clone()


def check(paths):
    """Feeds existing traces' gradients through this script's optimizers; prints the worst disagreement."""
    worst_all = 0.0
    for path in paths:
        with open(path) as f:
            d = json.load(f)
        shapes = {p["name"]: p["shape"] for p in d["params"]}
        names = list(shapes)
        live = [decode(p["init"], p["shape"]) for p in d["params"]]
        stepper = Stepper(d["optimizer"], d["hyper"], names, live)
        perr = rerr = 0.0
        for s in d["steps"]:
            grads = [None if s["grads"][n] is None else decode(s["grads"][n], shapes[n]) for n in names]
            with torch.no_grad():
                ratios = stepper.step(grads)
            for n, r in (ratios or {}).items():
                rerr = max(rerr, abs(r / s["ratios"][n] - 1))
            for n, p in zip(names, live):
                if "expected" not in s:
                    break
                e = decode(s["expected"][n], shapes[n])
                perr = max(perr, ((p - e).abs().max() / e.abs().max()).item())
        worst_all = max(worst_all, perr)
        print(f"{path}: {d['optimizer']}, params max|got-expected|/max|expected| {perr:.2e}, ratios {rerr:.2e}")
    return worst_all


def randn_grads(scale=1.0, nulls=(), zeros=()):
    """Seeded normal gradients; (step, name) pairs in nulls are skipped, in zeros all-zero."""
    def grad(i, name, p0, p):
        if (i, name) in nulls:
            return None
        g = torch.randn(p.shape) * (scale(i) if callable(scale) else scale)
        return torch.zeros(p.shape) if (i, name) in zeros else g
    return grad


def least_squares_grads():
    """f(w) = |A w - y|^2 with fixed A, y: the gradient depends on where the optimizer went."""
    gen = torch.Generator().manual_seed(7)
    a = torch.randn(10, 6, generator=gen)
    y = torch.randn(10, generator=gen)

    def grad(i, name, p0, p):
        return 2.0 * a.t() @ (a @ p - y)
    return grad


DEFAULT = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8}
CASES = [
    dict(name="basic_matrix", kind="seed", optimizer="pamadam", hyper=dict(DEFAULT), steps=20,
         note="one 8x5 tensor, default hyperparameters, random gradients",
         params=[("w", [8, 5], 0.5)], grad=randn_grads()),
    dict(name="multi_tensor", kind="seed", optimizer="pamadam", hyper={"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6},
         steps=50, note="five tensors incl. a 0-d one; each tensor has its own ratio",
         params=[("conv.weight", [4, 3, 3, 3], 0.2), ("conv.bias", [4], 0.1), ("fc.weight", [10, 36], 0.1),
                 ("fc.bias", [10], 0.1), ("scale", [], 1.0)], grad=randn_grads(0.3)),
    dict(name="large_lr", kind="seed", optimizer="pamadam", hyper=dict(DEFAULT, lr=0.1), steps=30,
         note="lr 0.1", params=[("w", [64], 1.0)], grad=randn_grads()),
    dict(name="large_tensor", kind="seed", optimizer="pamadam", hyper=dict(DEFAULT), steps=3, expected_every=3,
         note="65536 elements: the ratio must be exact to 1e-6, which a plain float running sum misses",
         params=[("w", [65536], 0.05), ("b", [64], 0.05)], grad=randn_grads()),
    dict(name="least_squares", kind="seed", optimizer="pamadam", hyper=dict(DEFAULT, lr=0.05), steps=40,
         note="closed loop: grads recorded from f(w)=|A w - y|^2; replay uses the recorded grads",
         params=[("w", [6], 1.0)], grad=least_squares_grads()),
    dict(name="skipped_grads", kind="seed", optimizer="pamadam", hyper=dict(DEFAULT), steps=12,
         note="a null gradient skips that tensor for that step: its moments and step count do not move",
         params=[("a", [7], 1.0), ("b", [3, 3], 1.0)],
         grad=randn_grads(nulls={(2, "a"), (3, "a"), (5, "b"), (9, "b")})),
    dict(name="zero_bias", kind="policy", optimizer="pamadam", hyper=dict(DEFAULT, lr=0.01), steps=10,
         note="policy: b starts at 0, so mean|p|=0 and the ratio falls back to 1 (the seed never moves it)",
         params=[("w", [4, 4], 0.5), ("b", [4], "zeros")], grad=randn_grads()),
    dict(name="zero_grad", kind="policy", optimizer="pamadam", hyper=dict(DEFAULT), steps=8,
         note="policy: dead gets all-zero grads for 3 steps: mean|step|=0, ratio 1, no change (the seed gives NaN)",
         params=[("w", [5], 1.0), ("dead", [3], 1.0)],
         grad=randn_grads(zeros={(0, "dead"), (1, "dead"), (2, "dead")})),
    dict(name="adam_reference", kind="baseline", optimizer="adam",
         hyper=dict(DEFAULT, lr=0.01, weight_decay=0.0), steps=25, note="torch.optim.Adam baseline",
         params=[("w", [6, 4], 0.5), ("b", [4], 0.1)], grad=randn_grads()),
    dict(name="adamw_reference", kind="baseline", optimizer="adamw",
         hyper=dict(DEFAULT, lr=0.01, weight_decay=0.05), steps=25,
         note="torch.optim.AdamW baseline, decoupled weight decay", params=[("w", [6, 4], 0.5)], grad=randn_grads()),
    dict(name="sgd_torch", kind="baseline", optimizer="sgd", hyper={"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3},
         steps=25, note="torch.optim.SGD momentum 0.9, weight decay 1e-3 (L2 into the gradient); null gradients skip "
                        "a tensor for a step",
         params=[("w", [40, 30], 0.2), ("b", [30], 0.1), ("s", [], 1.0)],
         grad=randn_grads(nulls={(3, "b"), (4, "b"), (10, "s"), (17, "w")})),
    dict(name="lamb_timm", kind="baseline", optimizer="lamb",
         hyper={"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-6, "weight_decay": 0.01}, steps=40, expected_every=4,
         note="LAMB as timm's Lamb defines it (bias correction, weight decay inside the trust ratio, always_adapt, "
              "no clipping); 5 tensors incl. an 8192-element one and a zero bias",
         params=[("emb", [64, 128], 0.1), ("w1", [128, 24], 0.1), ("b1", [24], "zeros"), ("w2", [24, 5], 0.2),
                 ("b2", [5], 0.1)], grad=randn_grads(0.1)),
    dict(name="clip_adam_torch", kind="baseline", optimizer="adam",
         hyper=dict(DEFAULT, lr=0.01, weight_decay=0.0, max_grad_norm=0.5), steps=24,
         note="torch.nn.utils.clip_grad_norm_(max_norm 0.5) then torch.optim.Adam; gradients recorded before "
              "clipping; some steps are below the bound",
         params=[("w", [50, 20], 0.3), ("b", [20], 0.1)],
         grad=randn_grads(lambda i: 0.002 if i % 4 == 3 else 0.05)),
    dict(name="clip_lamb_timm", kind="baseline", optimizer="lamb",
         hyper={"lr": 0.005, "betas": [0.9, 0.999], "eps": 1e-6, "weight_decay": 0.01, "max_grad_norm": 1.0},
         steps=30, expected_every=3,
         note="LAMB as timm's Lamb defines it, with max_grad_norm 1.0 (global norm over all tensors); gradients "
              "recorded before clipping",
         params=[("w", [96, 64], 0.1), ("b", [64], 0.1), ("h", [64, 10], 0.1)],
         grad=randn_grads(lambda i: 0.001 if i % 5 == 4 else 0.05)),
]


def main():
    ap = argparse.ArgumentParser(description="Record pamadam-trace/1 cases with PyTorch.")
    ap.add_argument("--out", help="folder for the <case>.json files")
    ap.add_argument("--check", nargs="+", metavar="TRACE",
                    help="instead: replay these traces' gradients through this script's optimizers and report")
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.check:
        sys.exit(0 if check(args.check) <= 1e-5 else 1)
    if not args.out:
        ap.error("--out is required to record")
    known = {c["name"]: c for c in CASES}
    unknown = [n for n in args.cases if n not in known]
    if unknown:
        sys.exit(f"unknown case(s) {unknown}; known: {sorted(known)}")
    os.makedirs(args.out, exist_ok=True)
    for name in args.cases or list(known):
        record = Recorder(known[name]).run()
        path = os.path.join(args.out, name + ".json")
        with open(path, "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")
        print(f"wrote {path} ({len(record['steps'])} steps, torch {torch.__version__})")


if __name__ == "__main__":
    main()
