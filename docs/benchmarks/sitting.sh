#!/bin/bash
# JMH, one sitting: the core step on heap and off-heap parameters and the two adapters, in three
# rounds of one fork each, so drift hits all alike; then clipping off and on, in ten rounds of one
# fork each, for a 95% interval of the on/off ratio within +-3%; then the djl engine's training
# epoch end to end. Run on a quiet machine, from the repository root.
# Usage: docs/benchmarks/sitting.sh JAR OUT_DIR   (JAR: pamadam-bench/target/benchmarks.jar)
# Then:  python3 docs/benchmarks/compare.py OUT_DIR > OUT_DIR/report.txt
set -euo pipefail
jar=$1; out=$2
mkdir -p "$out"
{ date -u; nproc; grep -m1 "model name" /proc/cpuinfo; grep -o -m1 "avx512f" /proc/cpuinfo || true
  java -version 2>&1 | head -1; uptime; } > "$out/conditions.txt"
for round in 1 2 3; do
  java -jar "$jar" "bench\.StepBenchmark" -p optimizer=pamadam,pamadam-direct,djl-pamadam,dl4j-pamadam \
    -p paramSet=transformer-10m,many-small -p threads=2 -wi 3 -i 5 -w 1 -r 1 -f 1 \
    -rf json -rff "$out/adapters-$round.json" > "$out/adapters-$round.log" 2>&1
done
for round in 01 02 03 04 05 06 07 08 09 10; do
  java -jar "$jar" ClipBenchmark -p threads=2 -wi 3 -i 10 -w 1 -r 1 -f 1 \
    -rf json -rff "$out/clip-$round.json" > "$out/clip-$round.log" 2>&1
done
# End to end (issue #19): the optimizer's share of epoch 3 of the main job on the djl engine, this
# project's PAMAdam against DJL's own Adam (the floor) and an update that does nothing (DJL's
# parameter store alone), two rounds; each run's metrics.csv has opt_step_ms and opt_share.
for round in 1 2; do
  for run in "pamadam::--optimizer pamadam" "djl-adam:-Dpamadam.djl.builtin=adam:--optimizer adam" \
             "none:-Dpamadam.djl.builtin=none:--optimizer adam"; do
    name=${run%%:*}; rest=${run#*:}; opts=${rest%%:*}; args=${rest#*:}
    PAMADAM_JAVA_OPTS="$opts" ./pamadam train $args --epochs 3 --out "$out/e2e/$name-$round" \
      > "$out/e2e-$name-$round.log" 2>&1
    rm -f "$out/e2e/$name-$round"/*.png
  done
done
uptime >> "$out/conditions.txt"
echo SITTING-DONE >> "$out/conditions.txt"
