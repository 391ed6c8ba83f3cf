// Which CPU kernel variant the image ops run: picked once per call from what this processor supports, capped by
// TRTCORE_CPU_KERNELS or set_cpu_kernels (tests and benchmarks compare the variants; users never need to).
//
// Variants, slowest first; each gives bit-identical results to kScalar (tests/test_image_kernels.py), except softmax,
// whose vector variants share their own expf: bit-identical to each other, within 4 ulp of kScalar (softmax_simd.cpp):
//   kScalar   the kernels as first written (plain loops, lookup tables): the reference the others are tested against
//   kBaseline the vector kernels built for the wheel's baseline ISA (SSE2 on x86-64, NEON on aarch64)
//   kAVX2     the same vector kernels compiled for AVX2 (+F16C), chosen at run time on x86-64
//   kAVX512   the same for AVX-512 F/BW/VL/DQ
// The variants are the same source compiled with different GCC/Clang `target` attributes (no -march on the build),
// so a portable wheel runs everywhere and uses the widest vectors the machine has. No FMA is enabled and the image
// layer builds with -ffp-contract=off: every variant rounds exactly as the scalar code does.
#pragma once

#include <string>

namespace trtcore::image {

enum class CpuKernels { kScalar = 0, kBaseline = 1, kAVX2 = 2, kAVX512 = 3 };

// The widest variant this processor and this build support.
CpuKernels supported_cpu_kernels();
// The variant the ops run now: min(supported, the cap). The cap is set_cpu_kernels' value, else the environment
// variable TRTCORE_CPU_KERNELS (scalar, baseline, avx2, avx512 or auto), else none.
CpuKernels cpu_kernels();
// Caps the variant ("auto" lifts the cap; asking for more than the machine has gives what it has). Throws
// ArgumentError for another name. The cap lives in this copy of the image layer: trtcore._core and
// trtcore._testing each link their own, so from Python only TRTCORE_CPU_KERNELS reaches both; _testing uses this
// to run its kernel entry points in a given variant.
void set_cpu_kernels(const std::string& name);
// Back to TRTCORE_CPU_KERNELS (or no cap).
void reset_cpu_kernels();
const char* cpu_kernels_name(CpuKernels k);  // "scalar", "baseline", "avx2", "avx512"

}  // namespace trtcore::image

// Marks a function to be compiled for one variant's instruction set (x86-64 GCC/Clang; elsewhere only the
// baseline variant exists). Kernel bodies are always_inline templates, so each marked wrapper gets its own copy.
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define TRTCORE_X86_VARIANTS 1
#define TRTCORE_TARGET_AVX2 __attribute__((target("avx2,f16c")))
#define TRTCORE_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,f16c")))
#else
#define TRTCORE_X86_VARIANTS 0
#endif
#define TRTCORE_INLINE inline __attribute__((always_inline))
