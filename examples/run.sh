#!/usr/bin/env bash
# Builds and runs the two user projects against the PAMAdam artifacts installed by `./mvnw -B install`.
# They are standalone projects (not modules of this build): they resolve PAMAdam through pamadam-bom
# from the local repository, at the version just installed. Each exits non-zero unless its loss drops.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJL_OFFLINE=true
version=$(sed -n 's:.*<revision>\(.*\)</revision>.*:\1:p' pamadam-bom/pom.xml)
for example in djl-training dl4j-batchnorm; do
  echo "== examples/$example (PAMAdam $version)"
  ./mvnw -B -q -f "examples/$example/pom.xml" package -Dpamadam.version="$version"
  (cd "examples/$example" && java --add-modules jdk.incubator.vector -Dai.djl.pytorch.num_threads=1 \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "target/$example.jar")
done
echo "examples: 2 passed, 0 failed"
