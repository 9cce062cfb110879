#!/bin/sh
# The kernel passes before and after the off-heap views, alternated in one sitting.
# Usage: run.sh OUT BEFORE_JAR AFTER_JAR ROUNDS   (each jar: pamadam-bench/target/benchmarks.jar of its commit)
set -e
out=$1; before=$2; after=$3; rounds=${4:-2}
mkdir -p "$out"
{ date -u; nproc; lscpu | head -20; java -version 2>&1; uptime; } > "$out/machine.txt"
r=1
while [ "$r" -le "$rounds" ]; do
  for which in before after; do
    jar=$before; [ "$which" = after ] && jar=$after
    java -jar "$jar" 'KernelBenchmark.(measure|apply)' -p floats=235146,4194304 -f 1 -wi 3 -i 5 \
      -rf json -rff "$out/$which-$r.json" > "$out/$which-$r.log" 2>&1
  done
  r=$((r + 1))
done
uptime >> "$out/machine.txt"
