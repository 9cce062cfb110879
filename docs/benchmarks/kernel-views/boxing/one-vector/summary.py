#!/usr/bin/env python3
"""Medians over the rounds of run.sh (per kernel width): us per pass, before and after, and after/before.

Usage: summary.py OUT  (reads OUT/before-N.json and OUT/after-N.json)"""
import glob
import json
import statistics
import sys

out = sys.argv[1]
scores = {}
for which in ("before", "after"):
    for path in sorted(glob.glob(f"{out}/{which}-*.json")):
        for r in json.load(open(path)):
            p = r["params"]
            key = (r["benchmark"].rsplit(".", 1)[1], p["kernel"], p["memory"])
            m = r["primaryMetric"]
            scores.setdefault(key, {}).setdefault(which, []).append((m["score"], m["scoreError"]))
print("| pass | kernel | memory | before us (each round: score +- error) | after us | after/before (medians) |")
print("|---|---|---|---|---|---|")
for key in sorted(scores):
    s = scores[key]
    b = statistics.median(x for x, _ in s["before"])
    a = statistics.median(x for x, _ in s["after"])
    fmt = lambda xs: ", ".join(f"{x:.1f} +- {e:.1f}" for x, e in xs)
    print(f"| {key[0]} | {key[1]} | {key[2]} | {fmt(s['before'])} | {fmt(s['after'])} | {a / b:.2f} |")
