#!/usr/bin/env python3
"""Summarises a JFR recording of `./pamadam train` (jdk.ExecutionSample, Java frames only): of the
samples in the last SECONDS of the recording (epochs 2 and 3 here, after warm-up), those inside the
optimizer (a frame in org.pamadam.djl, .optim or .rule, or a pamadam worker thread), by leaf method
and by the org.pamadam method that called into the leaf.
Usage: jfr print --json --events jdk.ExecutionSample REC.jfr > samples.json; summarize.py samples.json SECONDS
"""
import collections, datetime, json, sys

def when(s):
    return datetime.datetime.fromisoformat(s.rstrip("Z")[:26])

OPTIMIZER = ("org.pamadam.djl.", "org.pamadam.optim.", "org.pamadam.rule.")
events = json.load(open(sys.argv[1]))["recording"]["events"]
window = float(sys.argv[2])
end = max(when(e["values"]["startTime"]) for e in events)
total = opt = 0
threads, leaf, caller = collections.Counter(), collections.Counter(), collections.Counter()
for e in events:
    v = e["values"]
    if (end - when(v["startTime"])).total_seconds() > window:
        continue
    frames = v["stackTrace"]["frames"] if v.get("stackTrace") else []
    names = [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"] for f in frames]
    t = v["sampledThread"]["javaName"] if v.get("sampledThread") else "?"
    total += 1
    threads["pamadam-worker" if t.startswith("pamadam-worker") else t] += 1
    if t.startswith("pamadam-worker") or any(n.startswith(OPTIMIZER) for n in names):
        opt += 1
        leaf[names[0] if names else "?"] += 1
        caller[next((n.split("$$")[0] for n in names if n.startswith(OPTIMIZER)), "(worker, idle)")] += 1
print(f"samples in the last {window:g} s: {total}; by thread: {dict(threads.most_common(5))}")
print(f"in the optimizer: {opt}\n\nleaf method (self):")
for n, c in leaf.most_common(12):
    print(f"  {c:5d} {100 * c / opt:5.1f}%  {n}")
print("\nnearest optimizer frame:")
for n, c in caller.most_common(12):
    print(f"  {c:5d} {100 * c / opt:5.1f}%  {n}")
