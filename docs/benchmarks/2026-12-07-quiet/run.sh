#!/bin/bash
# JMH, one sitting (2026-12-07): the core step before (commit 0f71ddf, "today's kernel") and after
# the canonical-sum rewrite, alternating forks so drift hits both alike; then heap against off-heap
# parameters and the adapters against the core; then one pass per kernel width and memory kind.
# Usage: docs/benchmarks/run.sh OLD_JAR NEW_JAR OUT_DIR   (each jar: pamadam-bench/target/benchmarks.jar)
set -euo pipefail
old=$1; new=$2; out=$3
mkdir -p "$out"
common="-wi 3 -i 5 -w 1 -r 1 -f 1 -rf json"
for round in 1 2 3; do
  java -jar "$old" "bench\.StepBenchmark" -p optimizer=pamadam -p paramSet=transformer-10m -p threads=2 \
    $common -rff "$out/core-old-$round.json" > "$out/core-old-$round.log" 2>&1
  java -jar "$new" "bench\.StepBenchmark" -p optimizer=pamadam,pamadam-direct -p paramSet=transformer-10m -p threads=2 \
    $common -rff "$out/core-new-$round.json" > "$out/core-new-$round.log" 2>&1
done
java -jar "$new" "bench\.StepBenchmark" -p optimizer=pamadam,pamadam-direct,djl-pamadam,dl4j-pamadam \
  -p paramSet=transformer-10m,many-small -p threads=2 $common -rff "$out/adapters.json" > "$out/adapters.log" 2>&1
# Clipping off and on (issue #21): 3 forks x 8 iterations each, for an interval on the ratio.
java -jar "$new" ClipBenchmark -p threads=2 -wi 3 -i 8 -w 1 -r 1 -f 3 -rf json -rff "$out/clip.json" > "$out/clip.log" 2>&1
java -jar "$new" KernelBenchmark -p kernel=scalar,vector-128,vector-256,vector-512 \
  -wi 2 -i 3 -w 1 -r 1 -f 1 -rf json -rff "$out/kernels.json" > "$out/kernels.log" 2>&1
echo BENCH-DONE >> "$out/kernels.log"
