// Vector softmax: e = exp(x - max), e / sum(e), with its own exp (Cephes' expf: Cody-Waite reduction and a degree-6
// polynomial, about 1 ulp) instead of the scalar kernel's libm expf, so it is not bit-identical to kScalar; it is to
// itself at every vector width: the row is worked in 16-float groups (GCC lowers a 64-byte vector to 4 SSE / NEON,
// 2 AVX2 or 1 AVX-512 register), so partial maxima and sums fall in the same 16 lanes and are combined in the same
// fixed order on every variant, and no FMA is formed (-ffp-contract=off). The sum is accumulated in double, as
// the scalar kernel does. tests/test_image_kernels.py: variants bit-identical to kBaseline, within 4 ulp of the
// scalar kernel and within 8 ulp of numpy's float32 softmax (as the scalar kernel is: numpy sums in float32).
#include "image/softmax_simd.h"

#include <cstdint>
#include <cstring>

namespace trtcore::image::detail {

namespace {

typedef float G __attribute__((vector_size(64)));          // 16 floats
typedef std::int32_t GI __attribute__((vector_size(64)));  // 16 int32
typedef float H8 __attribute__((vector_size(32)));         // 8 floats
typedef double D8 __attribute__((vector_size(64)));        // 8 doubles
constexpr std::size_t kLanes = 16;

TRTCORE_INLINE G load_g(const float* p) {
    G v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
TRTCORE_INLINE void store_g(float* p, G v) { std::memcpy(p, &v, sizeof v); }
// sum[0..7] += e[0..7], sum[8..15] += e[8..15], in double (two halves: GCC converts 8 at a time well).
TRTCORE_INLINE void accumulate(D8* sum, G e) {
    H8 lo, hi;
    std::memcpy(&lo, &e, sizeof lo);
    std::memcpy(&hi, reinterpret_cast<const char*>(&e) + sizeof lo, sizeof hi);
    sum[0] += __builtin_convertvector(lo, D8);
    sum[1] += __builtin_convertvector(hi, D8);
}

TRTCORE_INLINE GI bits(G v) {
    GI i;
    std::memcpy(&i, &v, sizeof i);
    return i;
}
TRTCORE_INLINE G from_bits(GI i) {
    G v;
    std::memcpy(&v, &i, sizeof v);
    return v;
}

// exp(x) for x <= 0 (x - max), NaN kept, below -104 (where expf is 0) exactly 0, subnormal results rounded once.
TRTCORE_INLINE G exp_nonpositive(G x) {
    const G lo = G{} - 104.0f;
    const GI zero = x < lo;  // -inf too; false for NaN
    x = zero ? lo : x;
    const G magic = G{} + 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer, to nearest even
    const G t = x * 1.44269504088896341f + magic;
    const G n = t - magic;
    const GI ni = bits(t) - bits(magic);
    G r = x - n * 0.693359375f;  // Cody-Waite: n * 0.693359375 is exact for |n| < 2^15
    r = r - n * -2.12194440e-4f;
    const G z = r * r;
    G y = G{} + 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * z + r + 1.0f;
    // 2^n in two normal factors (n >= -151 here), so a subnormal result is rounded only by the last product.
    const GI n1 = ni >> 1, n2 = ni - n1;
    y = y * from_bits((n1 + 127) << 23) * from_bits((n2 + 127) << 23);
    return zero ? G{} : y;
}

// The NaN rule of numpy's max: once a lane has seen NaN it keeps it.
TRTCORE_INLINE G max_nan(G m, G v) { return ((v > m) | (v != v)) & (m == m) ? v : m; }

TRTCORE_INLINE void row_body(const float* x, std::size_t cols, float* out) {
    const std::size_t full = cols / kLanes * kLanes, rest = cols - full;
    alignas(64) float tail[kLanes];
    auto padded = [&](const float* p, float fill) {
        for (std::size_t l = 0; l < kLanes; ++l) tail[l] = l < rest ? p[l] : fill;
        return load_g(tail);
    };
    G m = G{} + x[0];
    for (std::size_t j = 0; j < full; j += kLanes) m = max_nan(m, load_g(x + j));
    if (rest) m = max_nan(m, padded(x + full, x[0]));
    float mx = m[0];
    for (std::size_t l = 1; l < kLanes; ++l) mx = ((m[l] > mx) | (m[l] != m[l])) & (mx == mx) ? m[l] : mx;

    const G mv = G{} + mx;
    D8 sum[2] = {};
    for (std::size_t j = 0; j < full; j += kLanes) {
        const G e = exp_nonpositive(load_g(x + j) - mv);
        store_g(out + j, e);
        accumulate(sum, e);
    }
    if (rest) {
        G e = exp_nonpositive(padded(x + full, mx) - mv);
        for (std::size_t l = rest; l < kLanes; ++l) e[l] = 0.0f;
        store_g(tail, e);
        for (std::size_t l = 0; l < rest; ++l) out[full + l] = tail[l];
        accumulate(sum, e);
    }
    double total = 0.0;  // fixed order: pairwise over the 16 lanes
    double s8[8], s4[4];
    for (int l = 0; l < 8; ++l) s8[l] = sum[0][l] + sum[1][l];
    for (int l = 0; l < 4; ++l) s4[l] = s8[l] + s8[l + 4];
    total = (s4[0] + s4[2]) + (s4[1] + s4[3]);
    const G s = G{} + static_cast<float>(total);
    for (std::size_t j = 0; j < full; j += kLanes) store_g(out + j, load_g(out + j) / s);
    for (std::size_t j = full; j < cols; ++j) out[j] = out[j] / s[0];
}

void row_baseline(const float* x, std::size_t cols, float* out) { row_body(x, cols, out); }
#if TRTCORE_X86_VARIANTS
TRTCORE_TARGET_AVX2 void row_avx2(const float* x, std::size_t cols, float* out) { row_body(x, cols, out); }
TRTCORE_TARGET_AVX512 void row_avx512(const float* x, std::size_t cols, float* out) { row_body(x, cols, out); }
#endif

}  // namespace

SoftmaxRow softmax_row(CpuKernels k) {
#if TRTCORE_X86_VARIANTS
    if (k == CpuKernels::kAVX512) return row_avx512;
    if (k == CpuKernels::kAVX2) return row_avx2;
#endif
    (void)k;
    return row_baseline;
}

}  // namespace trtcore::image::detail
