#!/bin/bash
# Off-heap boxing tally under AVX2: N fresh JVMs of the timed probe (../one-vector/AllocationProbe-timed.java.txt,
# compiled as org/pamadam/optim/A.java against the core's classes), direct parameters, -XX:UseAVX=2; prints
# each JVM's last window (bytes per step per thread, ns per step). Run alone, from the repository root:
#   flock /tmp/pamadam-heavy.lock docs/benchmarks/kernel-views/boxing/scratch-lanes/tally.sh CORE_CLASSES N [NAME]
set -euo pipefail
classes=$1; n=$2; name=${3:-run}
probe=$(mktemp -d)
mkdir -p "$probe/src/org/pamadam/optim"
cp docs/benchmarks/kernel-views/boxing/one-vector/AllocationProbe-timed.java.txt "$probe/src/org/pamadam/optim/A.java"
javac --add-modules jdk.incubator.vector -nowarn -cp "$classes" -d "$probe/out" "$probe/src/org/pamadam/optim/A.java" 2>/dev/null
for i in $(seq 1 "$n"); do
  echo "$name $i: $(java --add-modules jdk.incubator.vector -XX:UseAVX=2 -Dwindows=6 -Ddirect=true \
    -cp "$classes:$probe/out" org.pamadam.optim.A 2>/dev/null | grep 'window 5')"
done
rm -rf "$probe"
