#!/bin/bash
# Issue #19: does a short OpenMP spin (GOMP_SPINCOUNT=2000, libgomp's default 300000) also help, or
# at least not hurt, the other engine and model: dl4j's MLP (3 epochs) and djl's CNN (1 epoch), each
# under libgomp's default and under GOMP_SPINCOUNT=2000, interleaved, ROUNDS rounds (default 3).
# Run alone, from the repository root:
#   flock /tmp/pamadam-heavy.lock docs/benchmarks/issue-19-e2e/spin-engines.sh OUT_DIR [ROUNDS]
set -euo pipefail
out=$1
rounds=${2:-3}
mkdir -p "$out"
{ date -u; nproc; uptime; git rev-parse HEAD; } > "$out/machine.txt" 2>&1
for round in $(seq 1 "$rounds"); do
  for spin in default 2000; do
    for job in "dl4j-mlp:--engine dl4j --model mlp --epochs 3" "djl-cnn:--engine djl --model cnn --epochs 1"; do
      name=${job%%:*}-$spin-$round; args=${job#*:}
      if [ "$spin" = default ]; then
        env -u GOMP_SPINCOUNT ./pamadam train --optimizer pamadam $args --out "$out/$name" > "$out/$name.log" 2>&1
      else
        GOMP_SPINCOUNT=$spin ./pamadam train --optimizer pamadam $args --out "$out/$name" > "$out/$name.log" 2>&1
      fi
      rm -f "$out/$name"/*.png
    done
  done
done
uptime >> "$out/machine.txt"
