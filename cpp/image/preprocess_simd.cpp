// normalize for AVX2 and AVX-512: the guide's formula (value / maxval - mean[c]) / std[c] evaluated in float32
// vectors, operation for operation as the scalar code does, so each value is bit-identical to the scalar table
// (IEEE division and subtraction round the same in any vector width; no FMA, -ffp-contract=off). Two vector
// divisions per sample beat the table's load-and-scatter once vectors are 8 or 16 lanes wide. float16 output is
// rounded by F16C's vcvtps2ph (round to nearest even, as float_to_half; tests/test_image_kernels.py checks).
#include "image/preprocess_simd.h"

#include <algorithm>
#include <cstdint>

#if TRTCORE_X86_VARIANTS
#include <immintrin.h>
#endif

namespace trtcore::image::detail {

#if TRTCORE_X86_VARIANTS
namespace {

constexpr std::size_t kChunk = 256;  // pixels per step: the float16 path's staging (C x 1 KB) stays in L1

// One chunk of one row: n pixels of C interleaved channels -> C planes. GCC vectorises the loop (grouped loads
// of stride C, then divisions at the target's width).
template <int C, typename S>
TRTCORE_INLINE void chunk_f32(const S* in, float* const* out, std::size_t n, float maxval, const float* m,
                              const float* s) {
    for (std::size_t x = 0; x < n; ++x)
        for (int c = 0; c < C; ++c) out[c][x] = (static_cast<float>(in[x * C + c]) / maxval - m[c]) / s[c];
}

// Out of line: intrinsics inline only into functions of their own target.
TRTCORE_TARGET_AVX2 void to_half_avx2(const float* f, std::uint16_t* h, std::size_t n) {
    std::size_t x = 0;
    for (; x + 8 <= n; x += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + x),
                         _mm256_cvtps_ph(_mm256_loadu_ps(f + x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; x < n; ++x)
        h[x] = static_cast<std::uint16_t>(
            _mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f[x]), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), 0));
}
TRTCORE_TARGET_AVX512 void to_half_avx512(const float* f, std::uint16_t* h, std::size_t n) {
    std::size_t x = 0;
    for (; x + 16 <= n; x += 16)
        // The zero-masked form: GCC 12 warns that _mm512_cvtps_ph's undefined pass-through may be uninitialised.
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + x),
                            _mm512_maskz_cvtps_ph(0xFFFF, _mm512_loadu_ps(f + x),
                                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    to_half_avx2(f + x, h + x, n - x);
}

template <int W, int C, typename S, bool Half>
TRTCORE_INLINE void rows_body(const NormalizeJob& job, std::size_t begin, std::size_t end) {
    const std::size_t height = job.height, width = job.width, plane = height * width;
    float m[C], s[C];
    for (int c = 0; c < C; ++c) m[c] = job.mean[c], s[c] = job.std[c];
    alignas(64) float stage[C][kChunk];
    for (std::size_t r = begin; r < end; ++r) {
        const std::size_t n = r / height, y = r % height;
        const S* in = static_cast<const S*>(job.src) + r * width * C;
        const std::size_t base = n * C * plane + y * width;
        for (std::size_t x = 0; x < width; x += kChunk) {
            const std::size_t len = std::min(kChunk, width - x);
            if constexpr (Half) {
                float* out[C];
                for (int c = 0; c < C; ++c) out[c] = stage[c];
                chunk_f32<C>(in + x * C, out, len, job.maxval, m, s);
                for (int c = 0; c < C; ++c)
                    (W == 64 ? to_half_avx512 : to_half_avx2)(stage[c], static_cast<std::uint16_t*>(job.dst) + base + c * plane + x, len);
            } else {
                float* out[C];
                for (int c = 0; c < C; ++c) out[c] = static_cast<float*>(job.dst) + base + c * plane + x;
                chunk_f32<C>(in + x * C, out, len, job.maxval, m, s);
            }
        }
    }
}

template <int W, int C>
TRTCORE_INLINE void rows_c(const NormalizeJob& job, std::size_t begin, std::size_t end) {
    if (job.wide) {
        if (job.half) rows_body<W, C, std::uint16_t, true>(job, begin, end);
        else rows_body<W, C, std::uint16_t, false>(job, begin, end);
    } else {
        if (job.half) rows_body<W, C, std::uint8_t, true>(job, begin, end);
        else rows_body<W, C, std::uint8_t, false>(job, begin, end);
    }
}

template <int W> TRTCORE_INLINE void rows_any(const NormalizeJob& job, std::size_t begin, std::size_t end) {
    if (job.channels == 3) rows_c<W, 3>(job, begin, end);
    else if (job.channels == 1) rows_c<W, 1>(job, begin, end);
    else rows_c<W, 4>(job, begin, end);
}

TRTCORE_TARGET_AVX2 void rows_avx2(const NormalizeJob& job, std::size_t b, std::size_t e) { rows_any<32>(job, b, e); }
// GCC's tuning prefers 256-bit vectors for auto-vectorised loops even with AVX-512 on; this loop gains from 512.
#if defined(__clang__)
TRTCORE_TARGET_AVX512
#else
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,f16c,prefer-vector-width=512")))
#endif
void rows_avx512(const NormalizeJob& job, std::size_t b, std::size_t e) { rows_any<64>(job, b, e); }

}  // namespace
#endif

NormalizeRows normalize_rows(CpuKernels k, const NormalizeJob& job) {
    if (job.channels != 1 && job.channels != 3 && job.channels != 4) return nullptr;
#if TRTCORE_X86_VARIANTS
    if (k == CpuKernels::kAVX512) return rows_avx512;
    if (k == CpuKernels::kAVX2) return rows_avx2;
#endif
    (void)k;
    return nullptr;
}

}  // namespace trtcore::image::detail
