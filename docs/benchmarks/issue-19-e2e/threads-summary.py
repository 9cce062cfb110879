#!/usr/bin/env python3
"""Epoch 3 of each run of threads.sh: per configuration, the rounds' optimizer ms per step, share of
the epoch and epoch seconds, with their medians. Usage: threads-summary.py OUT_DIR"""
import csv
import glob
import os
import statistics
import sys

out = sys.argv[1]
rows = {}
def round_key(path):
    name, rnd = os.path.basename(os.path.dirname(path)).rsplit("-", 1)
    return name, int(rnd)


# Every round, 10 and above included, in round order.
paths = [p for p in glob.glob(os.path.join(out, "*-[0-9]*", "metrics.csv"))
         if os.path.basename(os.path.dirname(p)).rsplit("-", 1)[1].isdigit()]
for path in sorted(paths, key=round_key):
    name = round_key(path)[0]
    with open(path) as f:
        last = [r for r in csv.DictReader(f) if r["epoch"] == "3"]
    if last:
        rows.setdefault(name, []).append(last[0])

print("| configuration | optimizer ms/step (rounds) | median | share of epoch 3 (rounds) | median | epoch s (median) |")
print("|---|---|---|---|---|---|")
for name, runs in rows.items():
    ms = [float(r["opt_step_ms"]) for r in runs]
    share = [100 * float(r["opt_share"]) for r in runs]
    secs = [float(r["seconds"]) for r in runs]
    print("| %s | %s | %.3f | %s | %.1f%% | %.3f |" % (
        name, ", ".join("%.3f" % x for x in ms), statistics.median(ms),
        ", ".join("%.1f%%" % x for x in share), statistics.median(share), statistics.median(secs)))
