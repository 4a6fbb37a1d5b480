#!/usr/bin/env bash
# Standalone GPU check of the ActNN CUDA kernels. Needs nvcc and an NVIDIA GPU; no Java, no network.
#
#   bash actnn-cuda/gpu-check.sh [harness options]
#
# Compiles src/test/cuda/harness.cu (which includes the shipped kernels
# src/main/resources/ai/actnn/cuda/actnn_kernels.cu and the independent host reference) for the GPU
# at hand, then runs it: host-reference self-test, every kernel against the host reference, the
# reference files of the Java CPU backend when present, and the bandwidth benchmarks. Output: JSON
# lines on stdout, also saved to target/gpu-check/gpu-check.jsonl; last line "GPU CHECK PASSED" or
# "GPU CHECK FAILED". Exit status: 0 passed, 1 a check failed, 2 no CUDA device, 3 build failed,
# 4 bad usage or unreadable reference files.
#
# Environment:
#   NVCC              nvcc to use (default: PATH, CUDA_HOME/bin, /usr/local/cuda/bin)
#   ACTNN_CUDA_ARCH   e.g. 90 to build sm_90 code (default: the first GPU's compute capability from
#                     nvidia-smi, else PTX for compute_75, compiled by the driver)
#   ACTNN_REF_DIR     reference files from ai.actnn.cuda.tools.ReferenceDataGenerator (default:
#                     target/reference-data next to this script if it exists, i.e. freshly written
#                     by the Java CPU backend, else the committed copy src/test/resources/reference-data)
#   ACTNN_GPU_CHECK_OUT  output directory (default: target/gpu-check next to this script)
#   ACTNN_WERROR=1    treat compiler warnings as errors (the build's own test does; off here so that
#                     another nvcc version's new warnings cannot stop a one-off GPU run)
# Harness options: --no-bench, --bench-only, --sizes 64,1024 (tensor MB), --device N, --ref-dir DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${ACTNN_GPU_CHECK_OUT:-$here/target/gpu-check}
mkdir -p "$out"

nvcc=""
for candidate in "${NVCC:-}" "$(command -v nvcc 2>/dev/null || true)" "${CUDA_HOME:-/nonexistent}/bin/nvcc" \
                 /usr/local/cuda/bin/nvcc; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then nvcc=$candidate; break; fi
done
if [ -z "$nvcc" ]; then
  echo "gpu-check: nvcc not found (set NVCC or CUDA_HOME)" >&2
  exit 3
fi

arch=${ACTNN_CUDA_ARCH:-}
if [ -z "$arch" ] && command -v nvidia-smi >/dev/null 2>&1; then
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .' || true)
fi
if [ -n "$arch" ]; then
  # SASS for this GPU plus PTX, so the binary also runs if the guess was wrong
  archflags=(-gencode "arch=compute_$arch,code=sm_$arch" -gencode "arch=compute_75,code=compute_75")
else
  archflags=(-gencode "arch=compute_75,code=compute_75")
fi

echo "gpu-check: building with $("$nvcc" --version | tail -n 1) for ${arch:+sm_$arch and }compute_75" >&2
# -fmad=false: no FMA contraction in device code; -ffp-contract=off: none in the host reference
werror=()
if [ "${ACTNN_WERROR:-0}" = "1" ]; then werror=(-Werror all-warnings); fi
if ! "$nvcc" -O2 -std=c++17 -fmad=false -Xcompiler -ffp-contract=off "${werror[@]}" "${archflags[@]}" \
     -I "$here/src/main/resources/ai/actnn/cuda" -I "$here/src/test/cuda" \
     "$here/src/test/cuda/harness.cu" -o "$out/actnn-gpu-check"; then
  echo "gpu-check: build failed" >&2
  exit 3
fi

args=()
ref=${ACTNN_REF_DIR:-}
if [ -z "$ref" ]; then
  ref=$here/target/reference-data
  if ! ls "$ref"/*.actnnref >/dev/null 2>&1; then ref=$here/src/test/resources/reference-data; fi
fi
if [ -d "$ref" ] && ls "$ref"/*.actnnref >/dev/null 2>&1; then
  args+=(--ref-dir "$ref")
  echo "gpu-check: reference files of the Java CPU backend: $ref" >&2
else
  echo "gpu-check: no reference files ($ref): checking against the embedded host reference only" >&2
fi

set +e
"$out/actnn-gpu-check" "${args[@]}" --json "$out/gpu-check.jsonl" "$@"
status=$?
set -e
echo "gpu-check: exit status $status; JSON lines in $out/gpu-check.jsonl" >&2
exit $status
