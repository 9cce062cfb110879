#!/bin/bash
# JMH, one sitting: the adapters against the core (and the triad), then clipping off/on.
cd /work/bench
java -jar benchmarks.jar "StepBenchmark|TriadBenchmark" \
  -p optimizer=pamadam,djl-pamadam,dl4j-pamadam -p paramSet=transformer-10m,many-small -p threads=2 \
  -wi 3 -i 5 -w 1 -r 1 -f 1 -rf json -rff bench-step.json > bench-step.log 2>&1
java -jar benchmarks.jar "ClipBenchmark" -p threads=2 -wi 3 -i 5 -w 1 -r 1 -f 1 -rf json -rff bench-clip.json > bench-clip.log 2>&1
echo BENCH-DONE >> bench-clip.log
