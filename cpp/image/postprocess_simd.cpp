// Vector argmax and colorize: one source, compiled per instruction set (cpu_kernels.h), results bit-identical to
// the scalar kernels in postprocess.cpp (tests/test_image_kernels.py checks every variant against them).
//
// GCC/Clang vector extensions rather than intrinsics: B-byte vectors (16 for the baseline, 32 for AVX2, 64 for
// AVX-512) are the same code at every width, and compile to SSE2 / NEON on the baseline.
#include "image/postprocess_simd.h"

#include <algorithm>
#include <cstring>

namespace trtcore::image::detail {

namespace {

template <typename V> TRTCORE_INLINE V load(const void* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <typename V, typename T> TRTCORE_INLINE void store_v(T* p, V v) { std::memcpy(p, &v, sizeof v); }

// ---- argmax ------------------------------------------------------------------------------------------------
// Plane by plane over long tiles, two planes per pass: each class plane is read in sequential runs of 64 KB while
// the running maxima and indices of the tile stay in L2 (the scalar kernel reads all C planes side by side, 21
// interleaved streams, 64 bytes at a time).
//
// Both dtypes are compared as integer keys: sign-magnitude bits -> two's complement, (m ^ s) - s, orders every
// non-NaN value exactly as its float value with -0 == +0 (both 0); every NaN becomes the largest key. With a
// strict `>` that is numpy's rule exactly, with no NaN special case: the first maximum wins ties, a NaN beats
// every number, and the first NaN beats the later ones.
constexpr std::size_t kTileBytes = 65536;
template <typename K> struct KeyOf;
template <> struct KeyOf<std::int32_t> {
    static constexpr std::int32_t kMag = 0x7FFFFFFF, kInf = 0x7F800000;
};
template <> struct KeyOf<std::int16_t> {
    static constexpr std::int16_t kMag = 0x7FFF, kInf = 0x7C00;
};

template <typename K, typename V> TRTCORE_INLINE V keys(V bits) {
    const V s = bits >> (8 * sizeof(K) - 1), m = bits & KeyOf<K>::kMag;
    const V k = (m ^ s) - s;
    return m > KeyOf<K>::kInf ? V{} + KeyOf<K>::kMag : k;
}
template <typename K> TRTCORE_INLINE K key1(K bits) {
    typedef K V1 __attribute__((vector_size(sizeof(K))));
    V1 v = {bits};
    return keys<K>(v)[0];
}

// K: int32 keys for float32 logits, int16 keys for float16 (c < 32768, so indices fit K too).
template <int B, typename K, typename Label>
TRTCORE_INLINE void argmax_tile(const K* p, std::size_t plane, std::size_t c, std::size_t len, K* best, K* idx,
                                Label* out) {
    typedef K V __attribute__((vector_size(B)));
    constexpr std::size_t L = B / sizeof(K);
    const std::size_t vec_len = len / L * L;
    for (std::size_t j = 0; j < vec_len; j += L) {
        store_v(best + j, keys<K>(load<V>(p + j)));
        store_v(idx + j, V{});
    }
    for (std::size_t j = vec_len; j < len; ++j) best[j] = key1<K>(p[j]), idx[j] = 0;
    // Two planes per pass: half the trips of the running maxima through L2, two streams for the prefetchers.
    std::size_t k = 1;
    for (; k + 1 < c; k += 2) {
        const K* v0 = p + k * plane;
        const K* v1 = v0 + plane;
        const V k0 = V{} + static_cast<K>(k), k1 = V{} + static_cast<K>(k + 1);
        for (std::size_t j = 0; j < vec_len; j += L) {
            const V x0 = keys<K>(load<V>(v0 + j)), x1 = keys<K>(load<V>(v1 + j)), b = load<V>(best + j);
            const V t0 = x0 > b;
            const V b0 = t0 ? x0 : b;
            const V t1 = x1 > b0;
            store_v(best + j, t1 ? x1 : b0);
            store_v(idx + j, t1 ? k1 : (t0 ? k0 : load<V>(idx + j)));
        }
        for (std::size_t j = vec_len; j < len; ++j) {
            const K x0 = key1<K>(v0[j]), x1 = key1<K>(v1[j]);
            if (x0 > best[j]) best[j] = x0, idx[j] = static_cast<K>(k);
            if (x1 > best[j]) best[j] = x1, idx[j] = static_cast<K>(k + 1);
        }
    }
    for (; k < c; ++k) {
        const K* v = p + k * plane;
        const V kk = V{} + static_cast<K>(k);
        for (std::size_t j = 0; j < vec_len; j += L) {
            const V x = keys<K>(load<V>(v + j)), b = load<V>(best + j);
            const V take = x > b;
            store_v(best + j, take ? x : b);
            store_v(idx + j, take ? kk : load<V>(idx + j));
        }
        for (std::size_t j = vec_len; j < len; ++j) {
            const K x = key1<K>(v[j]);
            if (x > best[j]) best[j] = x, idx[j] = static_cast<K>(k);
        }
    }
    for (std::size_t j = 0; j < len; ++j) out[j] = static_cast<Label>(idx[j]);
}

template <int B, typename K>
TRTCORE_INLINE void argmax_keys(const ArgmaxJob& job, std::size_t begin, std::size_t end) {
    constexpr std::size_t kTile = kTileBytes / sizeof(K);
    alignas(64) K best[kTile], idx[kTile];
    const std::size_t c = job.c, plane = job.plane, tiles = (plane + kTile - 1) / kTile;
    for (std::size_t t = begin; t < end; ++t) {
        const std::size_t img = t / tiles, start = (t % tiles) * kTile, len = std::min(kTile, plane - start);
        const K* p = static_cast<const K*>(job.logits) + img * c * plane + start;
        const std::size_t at = img * plane + start;
        if (job.label_type == DataType::kInt64)
            argmax_tile<B>(p, plane, c, len, best, idx, static_cast<std::int64_t*>(job.labels) + at);
        else if (job.label_type == DataType::kInt32)
            argmax_tile<B>(p, plane, c, len, best, idx, static_cast<std::int32_t*>(job.labels) + at);
        else
            argmax_tile<B>(p, plane, c, len, best, idx, static_cast<std::uint8_t*>(job.labels) + at);
    }
}

template <int B> TRTCORE_INLINE void argmax_body(const ArgmaxJob& job, std::size_t begin, std::size_t end) {
    if (job.half) argmax_keys<B, std::int16_t>(job, begin, end);
    else argmax_keys<B, std::int32_t>(job, begin, end);
}

// ---- colorize ----------------------------------------------------------------------------------------------
// 8 pixels -> 24 bytes as three 8-byte stores, built from the packed 24-bit colours with shifts (little-endian
// byte order: colour = R | G << 8 | B << 16). The range check of the 8 ids is one vectorised OR.
template <typename L>
TRTCORE_INLINE std::size_t colorize_body(const ColorizeJob& job, std::size_t begin, std::size_t end) {
    const L* labels = static_cast<const L*>(job.labels);
    const std::uint32_t* packed = job.packed;
    const std::uint64_t size = job.size;
    std::uint8_t* out = job.rgb;
    std::size_t j = begin;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; j + 8 <= end; j += 8) {
        bool bad = false;
        for (int q = 0; q < 8; ++q) bad |= static_cast<std::uint64_t>(static_cast<std::int64_t>(labels[j + q])) >= size;
        if (bad) break;
        std::uint64_t p[8];
        for (int q = 0; q < 8; ++q) p[q] = packed[static_cast<std::size_t>(labels[j + q])];
        const std::uint64_t w0 = p[0] | p[1] << 24 | p[2] << 48;
        const std::uint64_t w1 = p[2] >> 16 | p[3] << 8 | p[4] << 32 | p[5] << 56;
        const std::uint64_t w2 = p[5] >> 8 | p[6] << 16 | p[7] << 40;
        std::memcpy(out + 3 * j, &w0, 8);
        std::memcpy(out + 3 * j + 8, &w1, 8);
        std::memcpy(out + 3 * j + 16, &w2, 8);
    }
#endif
    for (; j < end; ++j) {
        const L id = labels[j];
        if (static_cast<std::uint64_t>(static_cast<std::int64_t>(id)) >= size) return j;
        std::memcpy(out + 3 * j, &packed[static_cast<std::size_t>(id)], 3);
    }
    return end;
}

TRTCORE_INLINE std::size_t colorize_any(const ColorizeJob& job, std::size_t begin, std::size_t end) {
    switch (job.label_type) {
        case DataType::kInt64: return colorize_body<std::int64_t>(job, begin, end);
        case DataType::kInt32: return colorize_body<std::int32_t>(job, begin, end);
        default: return colorize_body<std::uint8_t>(job, begin, end);
    }
}

void argmax_baseline(const ArgmaxJob& job, std::size_t b, std::size_t e) { argmax_body<16>(job, b, e); }
std::size_t colorize_baseline(const ColorizeJob& job, std::size_t b, std::size_t e) { return colorize_any(job, b, e); }
#if TRTCORE_X86_VARIANTS
TRTCORE_TARGET_AVX2 void argmax_avx2(const ArgmaxJob& job, std::size_t b, std::size_t e) {
    argmax_body<32>(job, b, e);
}
TRTCORE_TARGET_AVX2 std::size_t colorize_avx2(const ColorizeJob& job, std::size_t b, std::size_t e) {
    return colorize_any(job, b, e);
}
TRTCORE_TARGET_AVX512 void argmax_avx512(const ArgmaxJob& job, std::size_t b, std::size_t e) {
    argmax_body<64>(job, b, e);
}
TRTCORE_TARGET_AVX512 std::size_t colorize_avx512(const ColorizeJob& job, std::size_t b, std::size_t e) {
    return colorize_any(job, b, e);
}
#endif

}  // namespace

ArgmaxTiles argmax_tiles(CpuKernels k) {
#if TRTCORE_X86_VARIANTS
    if (k == CpuKernels::kAVX512) return argmax_avx512;
    if (k == CpuKernels::kAVX2) return argmax_avx2;
#endif
    (void)k;
    return argmax_baseline;
}

std::size_t argmax_tile_pixels(bool half) { return kTileBytes / (half ? 2 : 4); }

ColorizeRange colorize_range(CpuKernels k) {
#if TRTCORE_X86_VARIANTS
    if (k == CpuKernels::kAVX512) return colorize_avx512;
    if (k == CpuKernels::kAVX2) return colorize_avx2;
#endif
    (void)k;
    return colorize_baseline;
}

}  // namespace trtcore::image::detail
