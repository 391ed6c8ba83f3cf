#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/*_fuzzer.cpp) from only the cpp/ sources each one needs, with clang's
# -fsanitize=fuzzer,address,undefined (UBSan findings abort, so they count as crashes).
#
# usage: fuzz/build.sh OUTDIR [HARNESS ...]     (default: every harness; names: pnm, dlpack, build_request)
#        fuzz/build.sh --sources HARNESS         (prints the cpp/ sources it links)
# Environment:
#   CXX            clang++ (default clang++)
#   TensorRT_ROOT  TensorRT headers for build_request (default /tmp/trt-10.16; NvInfer.h in it or in include/),
#   CUDA_PATH      and the CUDA headers they include (default /usr/local/cuda, else /usr/local/cuda-*). Without
#                  them build_request is skipped with a message (exit status stays 0).
#   FUZZ_COVERAGE  1: also instrument for llvm-cov (-fprofile-instr-generate -fcoverage-mapping)
# A harness is rebuilt only when its sources changed (make-style: the binary is older than a source).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,14p' "$0"; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX:-clang++}
# -Wno-unused-private-field: clang's note on members used only in the CUDA build (testing_backend.h).
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-private-field
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$root/cpp")
[ "${FUZZ_COVERAGE:-0}" = 1 ] && flags+=(-fprofile-instr-generate -fcoverage-mapping)

sources() {  # the cpp/ sources a harness links, and nothing else
  case $1 in
    pnm) echo cpp/image/pnm.cpp cpp/image/pnm_simd.cpp cpp/image/cpu_kernels.cpp cpp/image/types.cpp \
              cpp/common/tensor.cpp ;;
    dlpack) echo cpp/runtime/dlpack.cpp cpp/runtime/validate.cpp cpp/runtime/plan.cpp \
                 cpp/runtime/testing_backend.cpp cpp/common/tensor.cpp cpp/common/array.cpp ;;
    build_request) echo cpp/tensorrt/builder_options.cpp cpp/tensorrt/types.cpp cpp/common/tensor.cpp ;;
    *) echo "fuzz/build.sh: unknown harness '$1' (known: pnm, dlpack, build_request)" >&2; exit 2 ;;
  esac
}

if [ "$1" = --sources ]; then sources "$2"; exit; fi  # what a harness covers (tools/fuzz-native --coverage)
out=$1; shift
mkdir -p "$out"
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(pnm dlpack build_request)
for h in "${harnesses[@]}"; do
  srcs=(fuzz/${h}_fuzzer.cpp $(sources "$h"))
  extra=()
  if [ "$h" = build_request ]; then
    trt=${TensorRT_ROOT:-/tmp/trt-10.16}
    [ -f "$trt/include/NvInfer.h" ] && trt=$trt/include
    if [ ! -f "$trt/NvInfer.h" ]; then
      echo "fuzz/build.sh: skipping build_request: no TensorRT headers (NvInfer.h) in ${TensorRT_ROOT:-/tmp/trt-10.16}"
      continue
    fi
    cuda=${CUDA_PATH:-/usr/local/cuda}
    [ -f "$cuda/include/cuda_runtime_api.h" ] || cuda=$(ls -d /usr/local/cuda-*/ 2>/dev/null | tail -1)
    if [ ! -f "${cuda%/}/include/cuda_runtime_api.h" ]; then
      echo "fuzz/build.sh: skipping build_request: TensorRT's headers need cuda_runtime_api.h (set CUDA_PATH)"
      continue
    fi
    extra=(-isystem "$trt" -isystem "${cuda%/}/include")
  fi
  bin=$out/${h}_fuzzer
  stale=0
  if [ ! -x "$bin" ]; then stale=1; else
    for s in "${srcs[@]}" fuzz/build.sh $(cd "$root" && ls cpp/*/*.h); do
      [ "$root/$s" -nt "$bin" ] && { stale=1; break; }
    done
  fi
  if [ $stale = 1 ]; then
    echo "fuzz/build.sh: building $bin"
    (cd "$root" && "$cxx" "${flags[@]}" "${extra[@]}" "${srcs[@]}" -o "$bin.tmp" -lpthread) && mv "$bin.tmp" "$bin"
  fi
done
