#!/bin/bash
# Issue #19, end to end: how the optimizer's step shares the two cores with PyTorch's own threads.
# Epoch 3 of `./pamadam train --optimizer pamadam --epochs 3` (the main job's MLP, full data) under
# PyTorch's OpenMP settings (default: its workers spin between operations, libgomp's 300000 rounds;
# GOMP_SPINCOUNT=N: N rounds; OMP_WAIT_POLICY=PASSIVE: they sleep at once; OMP_NUM_THREADS=1: none) and the optimizer's threads (-Dpamadam.djl.threads; default
# min(4, cores) = 2), with DJL's own Adam and an update that does nothing as references. "default" is
# the launcher's settings: libgomp's own (300000 rounds) before the launcher set GOMP_SPINCOUNT=2000
# (commit after 9d75943), 2000 since; spin300k is libgomp's own in either case. Three
# rounds, the configurations interleaved so drift hits all alike. Run alone, from the repository root:
#   flock /tmp/pamadam-heavy.lock docs/benchmarks/issue-19-e2e/threads.sh OUT_DIR [ROUNDS [NAME...]]
# (ROUNDS: default 3; NAMEs: only those configurations, default all)
# then: python3 docs/benchmarks/issue-19-e2e/threads-summary.py OUT_DIR > OUT_DIR/summary.txt
set -euo pipefail
out=$1
rounds=${2:-3}
shift $(( $# < 2 ? $# : 2 ))
only=" $* "
mkdir -p "$out"
{ date -u; nproc; lscpu | head -20; uptime; git rev-parse HEAD; } > "$out/machine.txt" 2>&1
configs=(
  "default::--optimizer pamadam"
  "opt1:-Dpamadam.djl.threads=1:--optimizer pamadam"
  "passive:OMP_WAIT_POLICY=PASSIVE:--optimizer pamadam"
  "passive-opt1:OMP_WAIT_POLICY=PASSIVE -Dpamadam.djl.threads=1:--optimizer pamadam"
  "torch1:OMP_NUM_THREADS=1:--optimizer pamadam"
  "spin300k:GOMP_SPINCOUNT=300000:--optimizer pamadam"
  "spin20k:GOMP_SPINCOUNT=20000:--optimizer pamadam"
  "spin2k:GOMP_SPINCOUNT=2000:--optimizer pamadam"
  "djl-adam:-Dpamadam.djl.builtin=adam:--optimizer adam"
  "djl-adam-passive:OMP_WAIT_POLICY=PASSIVE -Dpamadam.djl.builtin=adam:--optimizer adam"
  "none:-Dpamadam.djl.builtin=none:--optimizer adam"
)
for round in $(seq 1 "$rounds"); do
  for c in "${configs[@]}"; do
    name=${c%%:*}; rest=${c#*:}; settings=${rest%%:*}; args=${rest#*:}
    if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then continue; fi
    envs=(); opts=""
    for s in $settings; do
      case $s in -D*) opts="$opts $s" ;; *) envs+=("$s") ;; esac
    done
    env "${envs[@]}" PAMADAM_JAVA_OPTS="$opts" ./pamadam train $args --epochs 3 --out "$out/$name-$round" \
      > "$out/$name-$round.log" 2>&1
    rm -f "$out/$name-$round"/*.png
  done
done
uptime >> "$out/machine.txt"
