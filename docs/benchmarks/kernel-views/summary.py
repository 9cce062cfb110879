#!/usr/bin/env python3
"""Medians over the rounds of run.sh: us per pass, before and after, and after/before.

Usage: summary.py [--by-kernel] OUT  (reads OUT/before-N.json and OUT/after-N.json); rows by pass, floats
and memory kind, or with --by-kernel by pass, kernel width and memory kind."""
import glob
import json
import statistics
import sys

by_kernel = "--by-kernel" in sys.argv[1:]
out = [a for a in sys.argv[1:] if a != "--by-kernel"][0]
scores = {}
for which in ("before", "after"):
    for path in sorted(glob.glob(f"{out}/{which}-*.json")):
        for r in json.load(open(path)):
            p = r["params"]
            key = (r["benchmark"].rsplit(".", 1)[1], p["kernel"] if by_kernel else int(p["floats"]), p["memory"])
            m = r["primaryMetric"]
            scores.setdefault(key, {}).setdefault(which, []).append((m["score"], m["scoreError"]))
print("| pass | " + ("kernel" if by_kernel else "floats") + " | memory | before us (each round: score +- error) | after us | after/before (medians) |")
print("|---|---|---|---|---|---|")
for key in sorted(scores):
    s = scores[key]
    b = statistics.median(x for x, _ in s["before"])
    a = statistics.median(x for x, _ in s["after"])
    fmt = lambda xs: ", ".join(f"{x:.1f} +- {e:.1f}" for x, e in xs)
    print(f"| {key[0]} | {key[1]} | {key[2]} | {fmt(s['before'])} | {fmt(s['after'])} | {a / b:.2f} |")
