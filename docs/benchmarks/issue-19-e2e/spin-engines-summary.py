#!/usr/bin/env python3
"""The last epoch of each run of spin-engines.sh, per job and spin setting: the rounds' epoch
seconds with their median, and the optimizer's share where the engine measures it.
Usage: spin-engines-summary.py OUT_DIR"""
import csv
import glob
import os
import statistics
import sys

groups = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*-[0-9]", "metrics.csv"))):
    name = os.path.basename(os.path.dirname(path)).rsplit("-", 1)[0]
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if rows:
        groups.setdefault(name, []).append(rows[-1])

print("| job, spin | last epoch s (rounds) | median | optimizer share (rounds) |")
print("|---|---|---|---|")
for name, runs in groups.items():
    secs = [float(r["seconds"]) for r in runs]
    shares = ", ".join("n/a" if r["opt_share"] in ("NaN", "nan") else "%.1f%%" % (100 * float(r["opt_share"]))
                       for r in runs)
    print("| %s | %s | %.3f | %s |" % (name, ", ".join("%.3f" % s for s in secs), statistics.median(secs), shares))
