#!/bin/sh
# Adds the recipe columns (tools/studylib.py RECIPE_COLUMNS) to the metrics CSVs of the 2026-12-02 runs,
# which were copied from `./pamadam compare` output folders before the study scripts existed. The flags
# below are those of the commands docs/results.md gives for each file (the study scripts now write these
# columns themselves). Run once, from the repository root; it rewrites the files in place.
set -e
cd "$(dirname "$0")/.."
a() { f=docs/results/$1; shift; python3 tools/studylib.py annotate "$f" "$f.tmp" "$@" && mv "$f.tmp" "$f"; }
a side-mlp-java-metrics.csv  --model mlp --init torch --epochs 5
a side-mlp-torch-metrics.csv --engine pytorch --model mlp --init torch --epochs 5
a side-cnn-java-metrics.csv  --model cnn --init torch --epochs 3
a side-cnn-torch-metrics.csv --engine pytorch --model cnn --init torch --epochs 3
a grid-mlp-metrics.csv       --model mlp --epochs 8
a cnn15-3e-3-metrics.csv     --model cnn --epochs 15
a cnn15-1e-2-metrics.csv     --model cnn --epochs 15
a ratios-mlp-metrics.csv     --model mlp --epochs 3
a rec-warmup-metrics.csv     --model mlp --epochs 5 --schedule cosine --warmup 500
a rec-maxratio-metrics.csv   --model mlp --epochs 5 --max-ratio 1
a rec-wd-metrics.csv         --model mlp --epochs 5 --weight-decay 0.05
a rec-nobias-metrics.csv     --model mlp --epochs 5 --no-trust-ratio 'bias|gamma|beta'
a rec-clip-metrics.csv       --model mlp --epochs 5 --max-grad-norm 1
a rec-all-metrics.csv        --model mlp --epochs 5 --schedule cosine --warmup 500 --max-ratio 1 \
    --weight-decay 0.05 --no-trust-ratio 'bias|gamma|beta' --max-grad-norm 1
