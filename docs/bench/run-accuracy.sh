#!/usr/bin/env bash
# The accuracy claims of docs/benchmarks.md over several seeds: LeNet (3 epochs) and the MNIST-rows
# transformer (2 epochs) at L0, L3, auto and auto at a tighter error bound, on the real MNIST digits.
# LEVELS="L3 auto" re-runs some levels only (L0 does not depend on the quantizer or the policy);
# a level "auto@E" is auto with errorBound E (through ACTNN_ERROR_BOUND). LENET_EPOCHS and
# TRANSFORMER_EPOCHS change the epochs (3 and 2), MODELS the models ("lenet transformer"), OUT the
# results directory; the longer runs of
# docs/benchmarks.md: LEVELS="L0 auto" LENET_EPOCHS=10 TRANSFORMER_EPOCHS=6 OUT=docs/bench/results/long.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-docs/bench/results}
mkdir -p "$out"
levels=${LEVELS:-L0 L3 auto auto@0.25}
models=${MODELS:-lenet transformer}
run() { # model level seed epochs
  local settings=()
  [[ $2 == *@* ]] && settings=("ACTNN_ERROR_BOUND=${2#*@}")
  env "${settings[@]}" bin/actnn train --dataset mnist --model "$1" --level "${2%@*}" \
    --epochs "$4" --seed "$3" --json | grep '^{' > "$out/acc-$1-$2-$3.jsonl"
}
for seed in 42 1 2; do
  for model in $models; do
    for level in $levels; do
      if [[ $model == lenet ]]; then epochs=${LENET_EPOCHS:-3}; else epochs=${TRANSFORMER_EPOCHS:-2}; fi
      run "$model" "$level" $seed "$epochs"
    done
  done
done
