#!/bin/sh
# Issue #19, end to end: the optimizer's share of a training epoch on the djl engine (the main job's
# MLP, full Fashion-MNIST), this project's PAMAdam and Adam against DJL's own Adam and against an
# optimizer that updates nothing (DJL's parameter store alone), then the same split per
# Trainer.step() with JMH. Run from the repository root, alone on the machine:
#   flock /tmp/pamadam-heavy.lock sh docs/benchmarks/issue-19-e2e/run.sh [TAG]
# Needs ./pamadam (builds itself) and pamadam-bench/target/benchmarks.jar
# (./mvnw -B -pl pamadam-bench -am package -DskipTests).
set -e
tag=${1:-run}
out=docs/benchmarks/issue-19-e2e/$tag
mkdir -p "$out"
{ date -u; nproc; lscpu | head -20; uptime; git rev-parse HEAD; } > "$out/machine.txt" 2>&1
train() { # name, then java options for the launcher, then train arguments
  name=$1; opts=$2; shift 2
  PAMADAM_JAVA_OPTS="$opts" ./pamadam train "$@" --out "$out/$name" > "$out/$name.log" 2>/dev/null
  rm -f "$out/$name"/*.png
}
for round in 1 2; do
  train pamadam-$round "" --optimizer pamadam --epochs 3
  train djl-adam-$round "-Dpamadam.djl.builtin=adam" --optimizer adam --epochs 3
  train none-$round "-Dpamadam.djl.builtin=none" --optimizer adam --epochs 3
  train adam-$round "" --optimizer adam --epochs 3
done
java -jar pamadam-bench/target/benchmarks.jar TrainerStepBenchmark -prof gc -rf json -rff "$out/trainer-step.json" \
  > "$out/trainer-step.log" 2>&1
uptime >> "$out/machine.txt"
