#!/usr/bin/env bash
# Reproduces the figures of docs/benchmarks.md (CPU, offline). Each configuration runs in a fresh
# JVM (bin/actnn benchmark's default); results go to docs/bench/results/*.jsonl, charts to
# docs/images/. Takes about an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/bench/results
mkdir -p "$out" docs/images
run() { local name=$1; shift; echo "== $name: bin/actnn $*" >&2; bin/actnn "$@" | grep '^{' > "$out/$name.jsonl"; }

run quantizer      quantizer-bench --json
ACTNN_MALLOC_TUNING=0 run quantizer-default-malloc quantizer-bench --json
run resnet18-32    benchmark --model resnet18 --image-size 32 --batch 32 --levels plain,L0,L1,L2,L3,auto --iterations 5 --warmup 2 --json
run resnet50-32    benchmark --model resnet50 --image-size 32 --batch 16 --levels plain,L0,L3 --iterations 3 --warmup 2 --json
run resnet18-64    benchmark --model resnet18 --image-size 64 --batch 16 --levels plain,L0,L3 --iterations 3 --warmup 2 --json
run resnet50-64    benchmark --model resnet50 --image-size 64 --batch 8 --levels plain,L0,L3 --iterations 3 --warmup 2 --json
run bert-tiny      benchmark --model bert-tiny --seq-len 128 --width 128 --batch 16 --levels plain,L0,L3 --iterations 3 --warmup 2 --json
run transformer    benchmark --model transformer --seq-len 128 --width 128 --batch 16 --levels plain,L0,L3 --iterations 3 --warmup 2 --json
run maxbatch-resnet18 benchmark --model resnet18 --image-size 32 --batch 32,64,128 --levels plain,L0,L3 --find-max-batch --memory-budget 1GiB --iterations 1 --warmup 1 --json --chart docs/images/resnet18-max-batch.png
run maxbatch-resnet50 benchmark --model resnet50 --image-size 32 --batch 8,16 --levels plain,L0,L3 --find-max-batch --memory-budget 1GiB --iterations 1 --warmup 1 --json --chart docs/images/resnet50-max-batch.png
run maxbatch-transformer benchmark --model transformer --seq-len 128 --width 128 --batch 8,16,32 --levels plain,L0,L3 --find-max-batch --memory-budget 512MiB --iterations 1 --warmup 1 --json --chart docs/images/transformer-max-batch.png
bash docs/bench/run-speed.sh
MODEL_ARGS="--model resnet50 --image-size 32 --batch 16" OUT=docs/bench/results/speed-resnet50-32.jsonl bash docs/bench/run-speed.sh
MODEL_ARGS="--model transformer --seq-len 128 --width 128 --batch 16" OUT=docs/bench/results/speed-transformer.jsonl bash docs/bench/run-speed.sh
MODEL_ARGS="--model bert-tiny --seq-len 128 --width 128 --batch 16" OUT=docs/bench/results/speed-bert-tiny.jsonl bash docs/bench/run-speed.sh
run mnist-lenet-L0   train --dataset mnist --model lenet --level L0 --epochs 3 --json
run mnist-lenet-L3   train --dataset mnist --model lenet --level L3 --epochs 3 --json
run mnist-lenet-auto train --dataset mnist --model lenet --level auto --epochs 3 --json
run mnist-transformer-L0 train --dataset mnist --model transformer --level L0 --epochs 2 --json
run mnist-transformer-L3 train --dataset mnist --model transformer --level L3 --epochs 2 --json
echo "done" >&2
