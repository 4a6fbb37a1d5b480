#!/usr/bin/env bash
# L3's throughput relative to L0 on ResNet-18 (32x32, batch 32; or MODEL_ARGS, e.g.
# MODEL_ARGS="--model transformer --seq-len 128 --width 128 --batch 16"), alternating the two levels in fresh
# JVMs (ROUNDS times, default 5) so that a shared machine's load affects both alike; prints each
# round's ratio (L0 and L3 ran back to back), their median, and the ratio of the medians.
# ACTNN_MALLOC_TUNING=0 runs with glibc's default allocator settings (what a user's training gets)
# instead of the small mmap threshold that memory figures need (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-docs/bench/results/speed-resnet18-32.jsonl}
: > "$out"
for round in $(seq "${ROUNDS:-5}"); do
  for level in L0 L3; do
    # shellcheck disable=SC2086 # MODEL_ARGS is a list of options
    bin/actnn benchmark ${MODEL_ARGS:---model resnet18 --image-size 32 --batch 32} --levels $level --iterations 5 --warmup 2 --json | grep '^{' >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ips = {lv: [r["ips"] for r in rows if r["level"] == lv] for lv in ("L0", "L3")}
pairs = [b / a for a, b in zip(ips["L0"], ips["L3"])]
print("L0 images/s", ips["L0"], "L3 images/s", ips["L3"])
print("L3/L0 per round", ["%.2f" % p for p in pairs])
print("L3/L0 throughput, median of the rounds' ratios: %.2f" % statistics.median(pairs))
print("L3/L0 throughput, ratio of medians: %.2f" % (statistics.median(ips["L3"]) / statistics.median(ips["L0"])))
PY
