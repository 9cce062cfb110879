#!/usr/bin/env python3
"""Compute time of every study CSV: epochs trained, the sum of their training seconds (the CSVs'
`seconds` column: training only, no evaluation or start-up), and, where a .log next to the CSV recorded
it, the wall time of each compare call (which includes start-up, evaluation and any wait for the lock).

  python3 tools/study_times.py
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import studylib as S  # noqa: E402


def main():
    body = []
    for path in sorted(glob.glob(os.path.join(S.RESULTS, "*.csv"))):
        rows = S.read_csv(path)
        if not rows or "seconds" not in rows[0]:
            continue
        secs = [float(r["seconds"]) for r in rows if S.finite(float(r["seconds"])) and float(r["seconds"]) > 0]
        log = os.path.splitext(path)[0] + ".log"
        walls = re.findall(r"wall (\d+) s", open(log).read()) if os.path.exists(log) else []
        body.append([os.path.basename(path), len(secs), f"{sum(secs) / 60:.1f}",
                     f"{min(secs):.1f} .. {max(secs):.1f}", " + ".join(walls) if walls else "-"])
    S.markdown(["CSV", "epochs", "training min", "s per epoch", "wall s per compare call"], body)


if __name__ == "__main__":
    main()
