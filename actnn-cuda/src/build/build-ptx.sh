#!/usr/bin/env bash
# Builds the PTX of the ActNN kernels at Maven build time (phase process-resources), so that the
# jar ships ai/actnn/cuda/actnn_kernels.ptx next to the CUDA C source. The PTX targets compute_75,
# the oldest architecture nvcc 13 supports; the driver compiles it for the GPU at hand (Turing
# and newer) on first load and caches the result.
#
# Usage: build-ptx.sh <source dir> <output dir> [nvcc] [require: true|false]
# Without nvcc the build goes on (exit 0) with a warning: the kernels are then compiled at first
# use by NVRTC. With require=true (-Dactnn.requirePtx=true) a missing nvcc fails the build, which
# is what a release build wants.
set -euo pipefail

src_dir=$1
out_dir=$2
nvcc_arg=${3:-}
require=${4:-false}

nvcc=""
for candidate in "$nvcc_arg" "${NVCC:-}" "$(command -v nvcc 2>/dev/null || true)" \
                 "${CUDA_HOME:-/nonexistent}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    nvcc=$candidate
    break
  fi
done

if [ -z "$nvcc" ]; then
  echo "[actnn-cuda] WARNING: nvcc not found (set -Dactnn.nvcc=/path/to/nvcc, NVCC or CUDA_HOME):" \
       "the jar will ship no prebuilt PTX and the kernels will be compiled by NVRTC at first use"
  if [ "$require" = "true" ]; then
    echo "[actnn-cuda] ERROR: -Dactnn.requirePtx=true but nvcc is missing" >&2
    exit 1
  fi
  exit 0
fi

mkdir -p "$out_dir"
for cu in "$src_dir"/*.cu; do
  ptx="$out_dir/$(basename "${cu%.cu}").ptx"
  if [ -f "$ptx" ] && [ "$ptx" -nt "$cu" ] && [ "$ptx" -nt "$0" ]; then
    continue
  fi
  # -fmad=false: no contraction into FMA anywhere (the kernels also use __f*_rn intrinsics), so
  # the bytes equal the Java reference's. Warnings are errors: the kernels compile cleanly.
  "$nvcc" -ptx -arch=compute_75 -fmad=false -Werror all-warnings -o "$ptx.tmp" "$cu"
  mv "$ptx.tmp" "$ptx"
  echo "[actnn-cuda] built $(basename "$ptx") with $("$nvcc" --version | tail -1)"
done
