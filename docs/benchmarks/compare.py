#!/usr/bin/env python3
"""Reads the JSON files of one JMH sitting (docs/benchmarks/run.sh or sitting.sh) and prints, per benchmark and
parameter set, the median of every measured iteration over every fork, with the spread, and the
ratios the issues set targets for, each with a 95% bootstrap interval (iterations resampled within
each side, 10,000 draws, fixed seed, so the interval reprints identically).

Usage: compare.py DIR
"""
import glob, json, os, random, statistics, sys

def load(pattern):
    out = {}
    for path in sorted(glob.glob(pattern)):
        for r in json.load(open(path)):
            p = r.get("params", {})
            key = (r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1],) + tuple(sorted(p.items()))
            out.setdefault(key, []).extend(x for fork in r["primaryMetric"]["rawData"] for x in fork)
    return out

def interval(num, den, draws=10_000, seed=1):
    rnd = random.Random(seed)
    ratios = sorted(statistics.median(rnd.choices(num, k=len(num))) / statistics.median(rnd.choices(den, k=len(den)))
                    for _ in range(draws))
    return ratios[int(0.025 * draws)], ratios[int(0.975 * draws)]

def ratio(name, num, den):
    r = statistics.median(num) / statistics.median(den)
    lo, hi = interval(num, den)
    print(f"| {name} | {r:.3f} | {lo:.3f} to {hi:.3f} | {len(num)} / {len(den)} |")

d = sys.argv[1]
old = load(os.path.join(d, "core-old-*.json"))
new = load(os.path.join(d, "core-new-*.json"))
rest = load(os.path.join(d, "adapters*.json"))
kernels = load(os.path.join(d, "kernels.json"))
clip = load(os.path.join(d, "clip*.json"))

def key(bench, **params):
    return (bench,) + tuple(sorted(params.items()))

print("### Medians\n")
print("| run | benchmark | params | median | min | max | n |")
print("|---|---|---|---|---|---|---|")
for label, runs in (("before (0f71ddf)", old), ("after", new), ("after", rest), ("after", clip), ("after", kernels)):
    for k, xs in sorted(runs.items()):
        params = ", ".join(f"{a}={b}" for a, b in k[1:])
        unit = "us" if k[0].startswith("KernelBenchmark") else "ms"
        print(f"| {label} | {k[0]} | {params} | {statistics.median(xs):.3f} {unit} | {min(xs):.3f} | {max(xs):.3f} | {len(xs)} |")

print("\n### Ratios (median over median; 95% bootstrap interval)\n")
print("| ratio | median | 95% interval | n (num / den) |")
print("|---|---|---|---|")
t10 = dict(paramSet="transformer-10m", threads="2")
if old and new:
    ratio("canonical-sum step / today's step (heap, transformer-10m, 2 threads)",
          new[key("StepBenchmark.step", optimizer="pamadam", **t10)], old[key("StepBenchmark.step", optimizer="pamadam", **t10)])
core = new if new else rest
ratio("off-heap step / heap step (transformer-10m, 2 threads)",
      core[key("StepBenchmark.step", optimizer="pamadam-direct", **t10)], core[key("StepBenchmark.step", optimizer="pamadam", **t10)])
for adapter in ("djl-pamadam", "dl4j-pamadam"):
    for ps in ("transformer-10m", "many-small"):
        a = rest.get(key("StepBenchmark.step", optimizer=adapter, paramSet=ps, threads="2"))
        c = rest.get(key("StepBenchmark.step", optimizer="pamadam", paramSet=ps, threads="2"))
        if a and c:
            ratio(f"{adapter} / core pamadam ({ps}, 2 threads)", a, c)
on = clip.get(key("ClipBenchmark.step", clip="on", paramSet="transformer-10m", threads="2"))
off = clip.get(key("ClipBenchmark.step", clip="off", paramSet="transformer-10m", threads="2"))
if on and off:
    ratio("clipping on / off (core, transformer-10m, 2 threads)", on, off)
many = rest.get(key("StepBenchmark.step", optimizer="djl-pamadam", paramSet="many-small", threads="2"))
if many:
    print(f"\ndjl-pamadam on many-small: {statistics.median(many) * 1000 / 302:.2f} us per tensor (median step / 302 tensors)")
