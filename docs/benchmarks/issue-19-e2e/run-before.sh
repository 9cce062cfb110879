#!/bin/sh
# main at b42effd (before this branch): ./pamadam train --optimizer pamadam --epochs 3, twice.
set -e
cd /work/wt-djl-base
out=/work/wt-djl-e2e/docs/benchmarks/issue-19-e2e/before
mkdir -p $out
{ date -u; nproc; lscpu | head -20; uptime; git rev-parse HEAD; } > $out/machine.txt 2>&1
for r in 1 2; do
  ./pamadam train --optimizer pamadam --epochs 3 --out $out/pamadam-$r > $out/pamadam-$r.log 2>/dev/null
  ./pamadam train --optimizer adam --epochs 3 --out $out/adam-$r > $out/adam-$r.log 2>/dev/null
  rm -f $out/*/*.png
done
uptime >> $out/machine.txt
