// Vector sample loops of the PNM reader: one source, compiled per instruction set (cpu_kernels.h). Chunks of
// 4 KB are swapped and max-reduced; only a chunk whose maximum is above maxval is scanned for the first bad
// sample, so the error names the same sample as the scalar loop.
#include "image/pnm_simd.h"

#include <algorithm>
#include <cstring>

namespace trtcore::image::detail {

namespace {

constexpr std::size_t kChunk = 2048;  // samples

template <int B> struct Vec16 {
    typedef std::uint16_t U __attribute__((vector_size(B)));
};

template <int B>
TRTCORE_INLINE std::size_t swap16_body(std::uint8_t* data, std::size_t count, std::uint16_t maxval) {
    using U = typename Vec16<B>::U;
    constexpr std::size_t L = B / 2;
    for (std::size_t at = 0; at < count; at += kChunk) {
        const std::size_t n = std::min(kChunk, count - at);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        const std::size_t vn = n / L * L;  // the vector swap is the little-endian host's
#else
        const std::size_t vn = 0;
#endif
        std::uint8_t* b = data + 2 * at;
        U top = {};
        for (std::size_t i = 0; i < vn; i += L) {
            U v;
            std::memcpy(&v, b + 2 * i, sizeof v);
            v = (v << 8) | (v >> 8);
            top = top > v ? top : v;
            std::memcpy(b + 2 * i, &v, sizeof v);
        }
        std::uint16_t m = 0;
        for (std::size_t l = 0; l < L; ++l) m = std::max<std::uint16_t>(m, top[l]);
        for (std::size_t i = vn; i < n; ++i) {
            const std::uint16_t v = static_cast<std::uint16_t>((b[2 * i] << 8) | b[2 * i + 1]);
            std::memcpy(b + 2 * i, &v, 2);
            m = std::max(m, v);
        }
        if (m > maxval)
            for (std::size_t i = 0; i < n; ++i) {
                std::uint16_t v;
                std::memcpy(&v, b + 2 * i, 2);
                if (v > maxval) return at + i;
            }
    }
    return count;
}

template <int B>
TRTCORE_INLINE std::size_t above8_body(const std::uint8_t* data, std::size_t count, std::uint8_t maxval) {
    for (std::size_t at = 0; at < count; at += kChunk) {
        const std::size_t n = std::min(kChunk, count - at);
        std::uint8_t m = 0;
        for (std::size_t i = 0; i < n; ++i) m = std::max(m, data[at + i]);  // vectorised at the target's width
        if (m > maxval)
            for (std::size_t i = 0; i < n; ++i)
                if (data[at + i] > maxval) return at + i;
    }
    return count;
}

std::size_t swap16_baseline(std::uint8_t* d, std::size_t n, std::uint16_t m) { return swap16_body<16>(d, n, m); }
std::size_t above8_baseline(const std::uint8_t* d, std::size_t n, std::uint8_t m) { return above8_body<16>(d, n, m); }
#if TRTCORE_X86_VARIANTS
TRTCORE_TARGET_AVX2 std::size_t swap16_avx2(std::uint8_t* d, std::size_t n, std::uint16_t m) {
    return swap16_body<32>(d, n, m);
}
TRTCORE_TARGET_AVX2 std::size_t above8_avx2(const std::uint8_t* d, std::size_t n, std::uint8_t m) {
    return above8_body<32>(d, n, m);
}
TRTCORE_TARGET_AVX512 std::size_t swap16_avx512(std::uint8_t* d, std::size_t n, std::uint16_t m) {
    return swap16_body<64>(d, n, m);
}
TRTCORE_TARGET_AVX512 std::size_t above8_avx512(const std::uint8_t* d, std::size_t n, std::uint8_t m) {
    return above8_body<64>(d, n, m);
}
#endif

}  // namespace

std::size_t samples16_from_big_endian(CpuKernels k, std::uint8_t* data, std::size_t count, std::uint16_t maxval) {
#if TRTCORE_X86_VARIANTS
    if (k == CpuKernels::kAVX512) return swap16_avx512(data, count, maxval);
    if (k == CpuKernels::kAVX2) return swap16_avx2(data, count, maxval);
#endif
    (void)k;
    return swap16_baseline(data, count, maxval);
}

std::size_t first_above(CpuKernels k, const std::uint8_t* data, std::size_t count, std::uint8_t maxval) {
#if TRTCORE_X86_VARIANTS
    if (k == CpuKernels::kAVX512) return above8_avx512(data, count, maxval);
    if (k == CpuKernels::kAVX2) return above8_avx2(data, count, maxval);
#endif
    (void)k;
    return above8_baseline(data, count, maxval);
}

}  // namespace trtcore::image::detail
