#!/usr/bin/env bash
# The accuracy claims of docs/benchmarks.md over several seeds: LeNet (3 epochs) and the MNIST-rows
# transformer (2 epochs) at L0, L3 and auto, on the real MNIST digits.
# LEVELS="L3 auto" re-runs some levels only (L0 does not depend on the quantizer or the policy).
set -euo pipefail
levels=${LEVELS:-L0 L3 auto}
cd "$(dirname "$0")/../.."
out=docs/bench/results
mkdir -p "$out"
for seed in 42 1 2; do
  for level in $levels; do
    bin/actnn train --dataset mnist --model lenet --level $level --epochs 3 --seed $seed --json | grep '^{' > "$out/acc-lenet-$level-$seed.jsonl"
  done
  for level in $levels; do
    bin/actnn train --dataset mnist --model transformer --level $level --epochs 2 --seed $seed --json | grep '^{' > "$out/acc-transformer-$level-$seed.jsonl"
  done
done
