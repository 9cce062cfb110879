#!/bin/bash
# The kernel passes before and after the one-vector loops, alternated: KernelBenchmark at the main
# job's size, every width and memory kind, one fork per jar per round. Run alone, from this folder:
#   flock /tmp/pamadam-heavy.lock ./run.sh OUT BEFORE_JAR AFTER_JAR ROUNDS
set -euo pipefail
out=$1; before=$2; after=$3; rounds=$4
mkdir -p "$out"
{ date -u; nproc; grep -m1 "model name" /proc/cpuinfo; java -version 2>&1 | head -1; uptime; } > "$out/conditions.txt"
for round in $(seq 1 "$rounds"); do
  for name in before after; do
    jar=$before; [ "$name" = after ] && jar=$after
    java -jar "$jar" 'KernelBenchmark.(measure|apply)' -p floats=235146 -p kernel=vector-512,vector-256,vector-128 \
      -p memory=heap,direct -f 1 -wi 3 -i 4 -rf json -rff "$out/$name-$round.json" > "$out/$name-$round.log" 2>&1
  done
done
uptime >> "$out/conditions.txt"
