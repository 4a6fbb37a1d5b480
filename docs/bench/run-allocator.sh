#!/usr/bin/env bash
# What the engine's glibc settings (GlibcAllocator: top pad and mmap threshold 32 MiB, trim threshold
# 64 MiB, set at the first ActNN trainer) do to speed: per model, L0 with them (on) and without them
# (-Dactnn.allocatorTuning=false, off), plain DJL as users run it (off) and plain DJL with the same
# settings given through GLIBC_TUNABLES (glibc), alternating in fresh JVMs, ROUNDS times (default 3),
# 10 measured steps after 20 warm-up steps. Prints each model's medians; one JSON line per run in OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ACTNN_MALLOC_TUNING=0
out=${OUT:-docs/bench/results/allocator.jsonl}
: > "$out"
tunables="glibc.malloc.top_pad=33554432:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864"
heap="-Xms1g -Xmx1g -XX:+AlwaysPreTouch"
models=("--model convnet --image-size 28 --channels 1 --batch 64"
        "--model resnet18 --image-size 32 --batch 32"
        "--model transformer --seq-len 128 --width 128 --batch 16")
for round in $(seq "${ROUNDS:-3}"); do
  for m in "${models[@]}"; do
    for run in L0:on L0:off plain:off plain:glibc; do
      level=${run%%:*}; cfg=${run##*:}
      opts=$heap; env=(env)
      [[ $cfg == off ]] && opts="$heap -Dactnn.allocatorTuning=false"
      [[ $cfg == glibc ]] && env=(env "GLIBC_TUNABLES=$tunables")
      # shellcheck disable=SC2086 # m is a list of options
      "${env[@]}" JAVA_OPTS="$opts" bin/actnn benchmark $m --levels "$level" --iterations 10 --warmup 20 \
          --no-fresh-jvm --json 2>/dev/null | grep '^{' | sed "s/^{/{\"round\":$round,\"allocator\":\"$cfg\",/" >> "$out"
    done
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for model in dict.fromkeys(r["model"] for r in rows):
    ips = {}
    for r in rows:
        if r["model"] == model:
            ips.setdefault(r["level"] + " " + r["allocator"], []).append(r["ips"])
    print(model, {k: statistics.median(v) for k, v in ips.items()})
    print(json.dumps({"model": model, "median_ips": {k: statistics.median(v) for k, v in ips.items()}, "rounds": ips}))
PY
