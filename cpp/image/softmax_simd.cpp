// Vector softmax: e = exp(x - max), e / sum(e), with its own exp (Cephes' expf: Cody-Waite reduction and a degree-6
// polynomial, about 1 ulp) instead of the scalar kernel's libm expf, so it is not bit-identical to kScalar; it is to
// itself at every vector width: the row is worked in 16-float groups (4 SSE / NEON, 2 AVX2 or 1 AVX-512 register),
// so partial maxima and sums fall in the same 16 lanes and are combined in the same
// fixed order on every variant, and no FMA is formed (-ffp-contract=off). The sum is accumulated in double, as
// the scalar kernel does. tests/test_image_kernels.py: variants bit-identical to kBaseline, within 4 ulp of the
// scalar kernel and within 8 ulp of numpy's float32 softmax (as the scalar kernel is: numpy sums in float32).
#include "image/softmax_simd.h"

#include <cstdint>
#include <cstring>

namespace trtcore::image::detail {

namespace {

// B: the native vector bytes (16, 32, 64). A 16-float group is 64 / B native vectors; lane l of a group is lane
// l % (B / 4) of vector l / (B / 4) at every width, so partials land in the same 16 slots everywhere.
template <int B> struct Vec {
    typedef float F __attribute__((vector_size(B)));
    typedef std::int32_t I __attribute__((vector_size(B)));
    typedef double D __attribute__((vector_size(2 * B)));
    static constexpr std::size_t kLanes = B / 4, kParts = 64 / B;
};
constexpr std::size_t kLanes = 16;

template <typename V> TRTCORE_INLINE V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <typename V> TRTCORE_INLINE void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
template <typename To, typename From> TRTCORE_INLINE To cast(From v) {
    To t;
    std::memcpy(&t, &v, sizeof t);
    return t;
}

// exp(x) for x <= 0 (x - max), NaN kept, below -104 (where expf is 0) exactly 0, subnormal results rounded once.
template <int B> TRTCORE_INLINE typename Vec<B>::F exp_nonpositive(typename Vec<B>::F x) {
    using F = typename Vec<B>::F;
    using I = typename Vec<B>::I;
    const F lo = F{} - 104.0f;
    const I zero = x < lo;  // -inf too; false for NaN
    x = zero ? lo : x;
    const F magic = F{} + 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer, to nearest even
    const F t = x * 1.44269504088896341f + magic;
    const F n = t - magic;
    const I ni = cast<I>(t) - cast<I>(magic);
    F r = x - n * 0.693359375f;  // Cody-Waite: n * 0.693359375 is exact for |n| < 2^15
    r = r - n * -2.12194440e-4f;
    const F z = r * r;
    F y = F{} + 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * z + r + 1.0f;
    // 2^n in two normal factors (n >= -151 here), so a subnormal result is rounded only by the last product.
    const I n1 = ni >> 1, n2 = ni - n1;
    y = y * cast<F>((n1 + 127) << 23) * cast<F>((n2 + 127) << 23);
    return zero ? F{} : y;
}

template <int B> TRTCORE_INLINE void row_body(const float* x, std::size_t cols, float* out) {
    using V = Vec<B>;
    using F = typename V::F;
    using I = typename V::I;
    using D = typename V::D;
    constexpr std::size_t W = V::kLanes, P = V::kParts;
    const std::size_t full = cols / kLanes * kLanes, rest = cols - full;
    alignas(64) float tail[kLanes];
    auto pad = [&](const float* p, float fill) {
        for (std::size_t l = 0; l < kLanes; ++l) tail[l] = l < rest ? p[l] : fill;
    };
    // Plain maxima plus a NaN flag (numpy's max is NaN once any value is: then the row's first NaN, as the
    // scalar kernel takes it).
    F m[P];
    I nan[P] = {};
    for (std::size_t q = 0; q < P; ++q) m[q] = F{} + x[0];
    auto step = [&](const float* g) {
        for (std::size_t q = 0; q < P; ++q) {
            const F v = load<F>(g + q * W);
            m[q] = v > m[q] ? v : m[q];
            nan[q] |= v != v;
        }
    };
    for (std::size_t j = 0; j < full; j += kLanes) step(x + j);
    if (rest) pad(x + full, x[0]), step(tail);
    bool any_nan = false;
    float mx = m[0][0];
    for (std::size_t q = 0; q < P; ++q)
        for (std::size_t l = 0; l < W; ++l) any_nan |= nan[q][l] != 0, mx = m[q][l] > mx ? m[q][l] : mx;
    if (any_nan)
        for (std::size_t j = 0; j < cols; ++j)
            if (x[j] != x[j]) {
                mx = x[j];
                break;
            }

    const F mv = F{} + mx;
    D sum[P] = {};
    auto exps = [&](const float* g, float* o) {
        for (std::size_t q = 0; q < P; ++q) {
            const F e = exp_nonpositive<B>(load<F>(g + q * W) - mv);
            store(o + q * W, e);
            sum[q] += __builtin_convertvector(e, D);
        }
    };
    for (std::size_t j = 0; j < full; j += kLanes) exps(x + j, out + j);
    if (rest) {
        pad(x + full, -__builtin_inff());  // exp(-inf - max) = 0: the padding adds nothing to the sums
        exps(tail, tail);
        for (std::size_t l = 0; l < rest; ++l) out[full + l] = tail[l];
    }
    double lanes[kLanes];  // fixed order: pairwise over the 16 lanes
    for (std::size_t q = 0; q < P; ++q)
        for (std::size_t l = 0; l < W; ++l) lanes[q * W + l] = sum[q][l];
    double s8[8], s4[4];
    for (int l = 0; l < 8; ++l) s8[l] = lanes[l] + lanes[l + 8];
    for (int l = 0; l < 4; ++l) s4[l] = s8[l] + s8[l + 4];
    const float total = static_cast<float>((s4[0] + s4[2]) + (s4[1] + s4[3]));
    const F s = F{} + total;
    std::size_t j = 0;
    for (; j + W <= cols; j += W) store(out + j, load<F>(out + j) / s);
    for (; j < cols; ++j) out[j] = out[j] / total;
}

void row_baseline(const float* x, std::size_t cols, float* out) { row_body<16>(x, cols, out); }
#if TRTCORE_X86_VARIANTS
TRTCORE_TARGET_AVX2 void row_avx2(const float* x, std::size_t cols, float* out) { row_body<32>(x, cols, out); }
TRTCORE_TARGET_AVX512 void row_avx512(const float* x, std::size_t cols, float* out) { row_body<64>(x, cols, out); }
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
