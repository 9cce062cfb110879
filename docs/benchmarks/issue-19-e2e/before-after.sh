#!/bin/bash
# Issue #19, end to end: two builds of the repository alternated in one sitting. Epoch 3 of
# `./pamadam train --optimizer pamadam --epochs 3` from each build's checkout, and DJL's own Adam
# (from AFTER) as the reference. Run alone, from the repository root:
#   flock /tmp/pamadam-heavy.lock docs/benchmarks/issue-19-e2e/before-after.sh OUT ROUNDS BEFORE_DIR AFTER_DIR
# (each DIR a checkout whose ./pamadam is built), then:
#   python3 docs/benchmarks/issue-19-e2e/threads-summary.py OUT > OUT/summary.txt
set -euo pipefail
out=$1; rounds=$2; before=$3; after=$4
mkdir -p "$out"
{ date -u; nproc; lscpu | head -20; uptime; echo "before: $(git -C "$before" rev-parse HEAD)"
  echo "after: $(git -C "$after" rev-parse HEAD) $(git -C "$after" status --porcelain | wc -l) files changed"; } > "$out/machine.txt" 2>&1
for round in $(seq 1 "$rounds"); do
  for name in before after djl-adam; do
    dir=$after; opts=""; opt=pamadam
    [ "$name" = before ] && dir=$before
    [ "$name" = djl-adam ] && { opts="-Dpamadam.djl.builtin=adam"; opt=adam; }
    PAMADAM_JAVA_OPTS="$opts" "$dir/pamadam" train --optimizer $opt --epochs 3 --out "$out/$name-$round" \
      > "$out/$name-$round.log" 2>&1
    rm -f "$out/$name-$round"/*.png
  done
done
uptime >> "$out/machine.txt"
