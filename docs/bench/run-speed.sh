#!/usr/bin/env bash
# Training speed of ActNN's levels against plain DJL on ResNet-18 (32x32, batch 32; or MODEL_ARGS,
# e.g. MODEL_ARGS="--model transformer --seq-len 128 --width 128 --batch 16"), the levels (LEVELS,
# default "plain L0 L3"; the first is the reference) alternating in fresh JVMs ROUNDS times (default
# 5), so that a shared machine's load affects all alike. Prints each round's ratios (the levels ran
# back to back), their median, and the ratio of the medians, then one JSON line per level.
# Each run measures ITERATIONS steps (default 10) after WARMUP unmeasured ones (default 20): the
# first 15-20 steps of a JVM run slower while the JIT compiles the quantizer's vector code (ResNet-18
# at L3: 560-850 ms a step, then a median of about 390; set the benchmark's logger to debug to see every step), a
# one-time cost of a few seconds that a training run of thousands of steps does not feel.
# Speed is measured with glibc's default allocator settings, which is what a user's training gets;
# ACTNN_MALLOC_TUNING=1 selects the small mmap threshold that memory figures need instead (it makes
# every large allocation fault its pages in again and slows plain DJL as much as ActNN).
set -euo pipefail
cd "$(dirname "$0")/../.."
export ACTNN_MALLOC_TUNING=${ACTNN_MALLOC_TUNING:-0}
out=${OUT:-docs/bench/results/speed-resnet18-32.jsonl}
read -r -a levels <<< "${LEVELS:-plain L0 L3}"
: > "$out"
for round in $(seq "${ROUNDS:-5}"); do
  for level in "${levels[@]}"; do
    # shellcheck disable=SC2086 # MODEL_ARGS is a list of options
    bin/actnn benchmark ${MODEL_ARGS:---model resnet18 --image-size 32 --batch 32} --levels "$level" \
        --iterations "${ITERATIONS:-10}" --warmup "${WARMUP:-20}" --json | grep '^{' | sed "s/^{/{\"round\":$round,/" >> "$out"
  done
done
python3 - "$out" "${levels[@]}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
levels = sys.argv[2:]
ref = levels[0]
ips = {lv: [r["ips"] for r in rows if r["level"].lower() == lv.lower()] for lv in levels}
for lv in levels:
    print(lv, "samples/s per round", ips[lv])
for lv in levels[1:]:
    pairs = [b / a for a, b in zip(ips[ref], ips[lv])]
    print(f"{lv}/{ref} per round", ["%.2f" % p for p in pairs])
    print(json.dumps({"level": lv, "reference": ref, "rounds": len(pairs),
                      "speed_median_of_ratios": round(statistics.median(pairs), 3),
                      "speed_ratio_of_medians": round(statistics.median(ips[lv]) / statistics.median(ips[ref]), 3),
                      "ips_median": statistics.median(ips[lv]), "reference_ips_median": statistics.median(ips[ref])}))
PY
