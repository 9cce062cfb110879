#!/usr/bin/env python3
"""Off-heap over heap, per pass of one kernel width, from the JSON files of KernelBenchmark rounds:
median over median of all measured iterations, with a 95% bootstrap interval (as compare.py).
Usage: kernel-ratios.py 'DIR/kernels-*.json'
"""
import glob, json, random, statistics, sys

runs = {}
for path in sorted(glob.glob(sys.argv[1])):
    for r in json.load(open(path)):
        key = (r["benchmark"].split(".")[-1], r["params"]["kernel"], r["params"]["memory"])
        runs.setdefault(key, []).extend(x for fork in r["primaryMetric"]["rawData"] for x in fork)

def interval(num, den, draws=10_000, seed=1):
    rnd = random.Random(seed)
    rs = sorted(statistics.median(rnd.choices(num, k=len(num))) / statistics.median(rnd.choices(den, k=len(den)))
                for _ in range(draws))
    return rs[int(0.025 * draws)], rs[int(0.975 * draws)]

print("| pass | kernel | heap median (us) | direct median (us) | direct / heap | 95% interval | n |")
print("|---|---|---|---|---|---|---|")
for (bench, kernel, memory), xs in sorted(runs.items()):
    if memory != "heap" or (bench, kernel, "direct") not in runs:
        continue
    d = runs[(bench, kernel, "direct")]
    lo, hi = interval(d, xs)
    print(f"| {bench} | {kernel} | {statistics.median(xs):.1f} | {statistics.median(d):.1f} | "
          f"{statistics.median(d) / statistics.median(xs):.3f} | {lo:.3f} to {hi:.3f} | {len(d)} / {len(xs)} |")
