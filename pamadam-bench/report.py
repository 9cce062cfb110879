#!/usr/bin/env python3
"""Turns a JMH JSON result (java -jar benchmarks.jar ... -rf json -rff FILE) into the Markdown
tables of docs/benchmarks.md: ms per step, effective GB/s, ratio to the roofline set by the triad
bandwidth measured in the same run, and ratios to ND4J's and DJL's Adam.

Bytes per element: 40 for PAMAdam and LAMB (the ratio needs a second pass: read p,g,m,v and write
m,v, then read p,m,v and write p; our pass one only reads, so we move 44), 28 for Adam-style single
pass (read p,g,m,v; write p,m,v). Triad moves 12 bytes per element (b, c read; a written).
"""
import json, sys, statistics

ELEMS = {"transformer-10m": 10_497_024, "many-small": 109_984}
TENSORS = {"transformer-10m": 21, "many-small": 302}
BYTES = {"pamadam": 40, "lamb": 40, "dl4j-pamadam": 40, "djl-pamadam": 40}
TRIAD_BYTES = 12 * (1 << 25)

runs = [r for path in sys.argv[1:] for r in json.load(open(path))]  # one or more JMH JSON files of one sitting
triad, steps, clips = {}, {}, {}
for r in runs:
    p = r.get("params", {})
    score = statistics.median(x for fork in r["primaryMetric"]["rawData"] for x in fork)
    if r["benchmark"].endswith("TriadBenchmark.triad"):
        triad[int(p["threads"])] = TRIAD_BYTES / (score / 1e3) / 1e9
    elif r["benchmark"].endswith("ClipBenchmark.step"):
        clips[(p["paramSet"], int(p["threads"]), p["clip"])] = score
    else:
        steps[(p["optimizer"], p["paramSet"], int(p["threads"]))] = score

print("Memory bandwidth (triad, median): " + ", ".join(f"{t} thread(s) {bw:.1f} GB/s" for t, bw in sorted(triad.items())))
print()
for ps in ELEMS:
    print(f"### {ps} ({TENSORS[ps]} tensors, {ELEMS[ps]:,} elements)\n")
    print("| optimizer | threads | ms/step | B/elem | GB/s effective | x roofline | vs nd4j-adam | vs djl-adam |")
    print("|---|---|---|---|---|---|---|---|")
    for (opt, s, t), ms in sorted(steps.items(), key=lambda kv: (kv[0][2], kv[0][0])):
        if s != ps:
            continue
        b = BYTES.get(opt, 28)
        gbs = ELEMS[ps] * b / (ms / 1e3) / 1e9
        roof = (ELEMS[ps] * b / (triad[t] * 1e9) * 1e3) if t in triad else float("nan")
        nd = steps.get(("nd4j-adam", ps, t))
        dj = steps.get(("djl-adam", ps, t))
        rel = lambda base: f"{ms / base:.2f}x" if base else "-"
        print(f"| {opt} | {t} | {ms:.3f} | {b} | {gbs:.1f} | {ms / roof:.2f} | {rel(nd)} | {rel(dj)} |")
    print()
    if ps == "many-small":
        for (opt, s, t), ms in sorted(steps.items()):
            if s == ps and opt in ("pamadam", "adam", "lamb"):
                print(f"- {opt}, {t} thread(s): {ms * 1e3 / TENSORS[ps]:.2f} us per tensor (whole step / tensors)")
        print()

if clips:
    print("### Global-norm clipping (core PAMAdam step, ClipBenchmark)\n")
    print("| params | threads | clip off ms/step | clip on ms/step | on / off |")
    print("|---|---|---|---|---|")
    for (ps, t) in sorted({(k[0], k[1]) for k in clips}):
        off, on = clips.get((ps, t, "off")), clips.get((ps, t, "on"))
        if off and on:
            print(f"| {ps} | {t} | {off:.3f} | {on:.3f} | {on / off:.2f}x |")
    print()
