#!/usr/bin/python3
"""Records the learning rate torch.optim.lr_scheduler gives each optimizer step, for ScheduleTorchTest.

Run with Debian's python3-torch (not a pyenv python):
    /usr/bin/python3 tools/record_schedules.py > pamadam-core/src/test/resources/schedules/torch_schedules.json

For each configuration it builds SGD over one dummy parameter with lr = base_lr, the scheduler, and
then repeats `record group lr; optimizer.step(); scheduler.step()`, so lrs[t] is the lr of the
(t+1)-th optimizer step, i.e. Schedule.lr(base, t) in the Java API. Floats are written with repr(),
which round-trips doubles exactly.
"""
import json
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")  # the deprecation warning SequentialLR's step(0) triggers

# (name, base_lr, steps, spec). Specs use torch's argument names; the test builds the same values.
CONFIGS = [
    ("constant", 1e-3, 50, {"type": "constant"}),
    ("warmup 200 from 0.01", 1e-3, 300, {"type": "linear", "start_factor": 0.01, "end_factor": 1.0, "total_iters": 200}),
    ("warmup torch defaults", 0.05, 20, {"type": "linear", "start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5}),
    ("linear decay to 0, past its end", 1e-3, 1200, {"type": "linear", "start_factor": 1.0, "end_factor": 0.0, "total_iters": 1000}),
    ("linear decay to 0.1 over 37", 0.1, 100, {"type": "linear", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 37}),
    ("cosine 1000 to 0", 1e-3, 1000, {"type": "cosine", "T_max": 1000, "eta_min": 0.0}),
    ("cosine 100 to 1e-5, 3.5 periods", 3e-3, 350, {"type": "cosine", "T_max": 100, "eta_min": 1e-5}),
    ("cosine 7 to 1e-3", 0.01, 50, {"type": "cosine", "T_max": 7, "eta_min": 1e-3}),
    ("cosine 2500 to 1e-6", 0.02, 2500, {"type": "cosine", "T_max": 2500, "eta_min": 1e-6}),
    ("step 3 x0.1", 1.0, 20, {"type": "step", "step_size": 3, "gamma": 0.1}),
    ("step 7 x0.5", 3e-3, 100, {"type": "step", "step_size": 7, "gamma": 0.5}),
    ("step 333 x0.1 over 1000", 1e-3, 1000, {"type": "step", "step_size": 333, "gamma": 0.1}),
    ("exp 0.99 over 1500", 1e-3, 1500, {"type": "exp", "gamma": 0.99}),
    ("exp 0.5", 0.1, 60, {"type": "exp", "gamma": 0.5}),
    ("warmup 200 then cosine 800", 1e-3, 1000, {"type": "sequential", "milestones": [200], "schedulers": [
        {"type": "linear", "start_factor": 0.005, "end_factor": 1.0, "total_iters": 200},
        {"type": "cosine", "T_max": 800, "eta_min": 0.0}]}),
    ("warmup 10 then cosine 50 to 1e-4, past its end", 3e-3, 80, {"type": "sequential", "milestones": [10], "schedulers": [
        {"type": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 10},
        {"type": "cosine", "T_max": 50, "eta_min": 1e-4}]}),
    ("warmup 4 then step 3 x0.5", 0.1, 30, {"type": "sequential", "milestones": [4], "schedulers": [
        {"type": "linear", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 4},
        {"type": "step", "step_size": 3, "gamma": 0.5}]}),
    ("warmup 5, exp 0.9, linear decay", 0.01, 40, {"type": "sequential", "milestones": [5, 15], "schedulers": [
        {"type": "linear", "start_factor": 0.5, "end_factor": 1.0, "total_iters": 5},
        {"type": "exp", "gamma": 0.9},
        {"type": "linear", "start_factor": 1.0, "end_factor": 0.2, "total_iters": 10}]}),
    ("warmup 100 then linear decay 900 to 0", 1e-3, 1000, {"type": "sequential", "milestones": [100], "schedulers": [
        {"type": "linear", "start_factor": 0.01, "end_factor": 1.0, "total_iters": 100},
        {"type": "linear", "start_factor": 1.0, "end_factor": 0.0, "total_iters": 900}]}),
    ("warmup 3 shorter than its milestone 6, then cosine 10", 0.1, 30, {"type": "sequential", "milestones": [6], "schedulers": [
        {"type": "linear", "start_factor": 0.2, "end_factor": 1.0, "total_iters": 3},
        {"type": "cosine", "T_max": 10, "eta_min": 0.0}]}),
]


def build(optimizer, spec):
    kind = spec["type"]
    if kind == "constant":
        return S.LambdaLR(optimizer, lambda t: 1.0)
    if kind == "linear":
        return S.LinearLR(optimizer, start_factor=spec["start_factor"], end_factor=spec["end_factor"],
                          total_iters=spec["total_iters"])
    if kind == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=spec["T_max"], eta_min=spec["eta_min"])
    if kind == "step":
        return S.StepLR(optimizer, step_size=spec["step_size"], gamma=spec["gamma"])
    if kind == "exp":
        return S.ExponentialLR(optimizer, gamma=spec["gamma"])
    if kind == "sequential":
        children = [build(optimizer, c) for c in spec["schedulers"]]
        return S.SequentialLR(optimizer, schedulers=children, milestones=spec["milestones"])
    raise ValueError(kind)


def record(base_lr, steps, spec):
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([p], lr=base_lr)
    scheduler = build(optimizer, spec)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        p.grad = torch.zeros_like(p)
        optimizer.step()
        scheduler.step()
    return lrs


def main():
    out = {
        "generator": "tools/record_schedules.py",
        "torch": torch.__version__,
        "meaning": "lrs[t] is the param group's lr during optimizer step t+1 (scheduler.step() after each optimizer.step())",
        "configs": [{"name": n, "base_lr": b, "steps": s, "schedule": spec, "lrs": record(b, s, spec)}
                    for (n, b, s, spec) in CONFIGS],
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
