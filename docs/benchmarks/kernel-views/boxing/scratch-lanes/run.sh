#!/bin/bash
# The kernel passes before and after the scratch lanes (bf85980), alternated, one fork per jar per round:
# KernelBenchmark (measure, apply, sumOfSquares) at the main job's size, 235,146 floats, one thread.
#   default: every width and memory kind under this machine's flags (AVX-512 here);
#   AVX2=1:  -XX:UseAVX=2, the 256-bit kernel on both memory kinds, with JMH's allocation profiler.
# Run alone, from the repository root:
#   [AVX2=1] flock /tmp/pamadam-heavy.lock docs/benchmarks/kernel-views/boxing/scratch-lanes/run.sh OUT BEFORE_JAR AFTER_JAR ROUNDS
# then: python3 docs/benchmarks/kernel-views/summary.py --by-kernel OUT > OUT/summary.txt
set -euo pipefail
out=$1; before=$2; after=$3; rounds=$4
mkdir -p "$out"
{ date -u; nproc; grep -m1 "model name" /proc/cpuinfo; java -version 2>&1 | head -1; uptime; echo "AVX2=${AVX2:-0}"; } > "$out/conditions.txt"
for round in $(seq 1 "$rounds"); do
  for name in before after; do
    jar=$before; [ "$name" = after ] && jar=$after
    if [ "${AVX2:-0}" = 1 ]; then
      java -jar "$jar" 'KernelBenchmark.(measure|apply|sumOfSquares)' -p floats=235146 -p kernel=vector-256 \
        -p memory=heap,direct -jvmArgsAppend "--add-modules=jdk.incubator.vector -Xmx2g -XX:UseAVX=2" -prof gc \
        -f 1 -wi 3 -i 4 -rf json -rff "$out/$name-$round.json" > "$out/$name-$round.log" 2>&1
    else
      java -jar "$jar" 'KernelBenchmark.(measure|apply|sumOfSquares)' -p floats=235146 \
        -p kernel=vector-512,vector-256,vector-128 -p memory=heap,direct \
        -f 1 -wi 3 -i 4 -rf json -rff "$out/$name-$round.json" > "$out/$name-$round.log" 2>&1
    fi
  done
done
uptime >> "$out/conditions.txt"
