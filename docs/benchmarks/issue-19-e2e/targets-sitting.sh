#!/bin/bash
# Issue #19's targets in one sitting: the JMH step of the core (heap and off-heap) and of both
# adapters at transformer-10m, many-small and the main job's MLP, two threads, JMH_ROUNDS rounds
# (default 3) of one fork each; then epoch 3 of the main job end to end, this project's PAMAdam and
# DJL's own Adam alternated, E2E_ROUNDS rounds (default 6). Run alone, from the repository root, with
# pamadam-bench and pamadam-cli packaged from the same commit:
#   [JMH_ROUNDS=N] [E2E_ROUNDS=N] flock /tmp/pamadam-heavy.lock docs/benchmarks/issue-19-e2e/targets-sitting.sh OUT
# then: python3 docs/benchmarks/compare.py OUT > OUT/report.txt
#       python3 docs/benchmarks/issue-19-e2e/threads-summary.py OUT/e2e > OUT/e2e/summary.txt
set -euo pipefail
out=$1
jar=pamadam-bench/target/benchmarks.jar
mkdir -p "$out"
{ date -u; nproc; grep -m1 "model name" /proc/cpuinfo; grep -o -m1 "avx512f" /proc/cpuinfo || true
  java -version 2>&1 | head -1; uptime; echo "JMH_ROUNDS=${JMH_ROUNDS:-3} E2E_ROUNDS=${E2E_ROUNDS:-6}"; echo "commit $(git rev-parse HEAD), $(git status --porcelain | wc -l) paths changed"; } > "$out/conditions.txt"
for round in $(seq 1 "${JMH_ROUNDS:-3}"); do
  java -jar "$jar" "bench\.StepBenchmark" -p optimizer=pamadam,pamadam-direct,djl-pamadam,dl4j-pamadam \
    -p paramSet=transformer-10m,many-small,mlp -p threads=2 -wi 3 -i 5 -w 1 -r 1 -f 1 \
    -rf json -rff "$out/adapters-$round.json" > "$out/adapters-$round.log" 2>&1
done
docs/benchmarks/issue-19-e2e/threads.sh "$out/e2e" "${E2E_ROUNDS:-6}" default djl-adam
uptime >> "$out/conditions.txt"
echo SITTING-DONE >> "$out/conditions.txt"
