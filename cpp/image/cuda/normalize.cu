#include "image/cuda/normalize.h"

#include <cuda_fp16.h>

#include <cstdint>
#include <string>

#include "common/error.h"
#include "image/cuda/launch.cuh"
#include "image/preprocess.h"

namespace trtcore::image::gpu {

namespace {

struct Params {
    float mean[kMaxNormalizeChannels];
    float std[kMaxNormalizeChannels];
    float maxval;
    unsigned channels;
    std::size_t height, width;           // the image
    std::size_t out_height, out_width;   // the output planes
    std::size_t top, left;
    std::size_t pixels;                  // batch * out_height * out_width
};

__device__ inline void store(float* dst, std::size_t i, float v) { dst[i] = v; }
__device__ inline void store(__half* dst, std::size_t i, float v) { dst[i] = __float2half_rn(v); }

// One thread per output pixel, all channels: each channel's plane is written coalesced across the warp, and the
// pixel's samples are read once. The guide's formula with explicit IEEE operations (never contracted or
// approximated, whatever the compiler flags).
template <typename S, typename D>
__global__ void normalize_kernel(const S* __restrict__ src, D* __restrict__ dst, Params p) {
    const std::size_t plane = p.out_height * p.out_width;
    for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < p.pixels;
         i += std::size_t{gridDim.x} * blockDim.x) {
        const std::size_t n = i / plane, at = i % plane;
        const std::size_t oy = at / p.out_width, ox = at % p.out_width;
        D* out = dst + n * p.channels * plane + at;
        const bool inside = oy >= p.top && oy - p.top < p.height && ox >= p.left && ox - p.left < p.width;
        if (!inside) {
            for (unsigned c = 0; c < p.channels; ++c) store(out, c * plane, 0.0f);
            continue;
        }
        const S* in = src + ((n * p.height + (oy - p.top)) * p.width + (ox - p.left)) * p.channels;
        for (unsigned c = 0; c < p.channels; ++c) {
            const float v = static_cast<float>(in[c]);
            store(out, c * plane, __fdiv_rn(__fsub_rn(__fdiv_rn(v, p.maxval), p.mean[c]), p.std[c]));
        }
    }
}

// The common case, one RGB uint8 image at its own size (no padding), 16 pixels per thread: 48 source bytes as three
// 16-byte loads (so reading pinned host memory over the bus moves whole lines), 16 values per plane as four 16-byte
// stores when the planes are 16-byte aligned. 32-bit indices. The arithmetic is the generic kernel's.
constexpr unsigned kGroup = 16;

template <typename D>
__device__ inline void store16(D* out, const float (&v)[kGroup], bool vector);

template <>
__device__ inline void store16<float>(float* out, const float (&v)[kGroup], bool vector) {
    if (vector) {
        auto* o = reinterpret_cast<float4*>(out);
#pragma unroll
        for (unsigned q = 0; q < kGroup / 4; ++q)
            o[q] = make_float4(v[4 * q], v[4 * q + 1], v[4 * q + 2], v[4 * q + 3]);
    } else {
#pragma unroll
        for (unsigned j = 0; j < kGroup; ++j) out[j] = v[j];
    }
}

template <>
__device__ inline void store16<__half>(__half* out, const float (&v)[kGroup], bool vector) {
    if (vector) {
        auto* o = reinterpret_cast<uint4*>(out);
#pragma unroll
        for (unsigned q = 0; q < kGroup / 8; ++q) {
            unsigned words[4];
#pragma unroll
            for (unsigned k = 0; k < 4; ++k) {
                const __half2 pair = __floats2half2_rn(v[8 * q + 2 * k], v[8 * q + 2 * k + 1]);
                words[k] = *reinterpret_cast<const unsigned*>(&pair);
            }
            o[q] = make_uint4(words[0], words[1], words[2], words[3]);
        }
    } else {
#pragma unroll
        for (unsigned j = 0; j < kGroup; ++j) out[j] = __float2half_rn(v[j]);
    }
}

template <typename D>
__global__ void normalize_rgb8_kernel(const std::uint8_t* __restrict__ src, D* __restrict__ dst, Params p,
                                      unsigned pixels, bool vector_stores) {
    const unsigned groups = (pixels + kGroup - 1) / kGroup;
    for (unsigned g = blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += gridDim.x * blockDim.x) {
        const unsigned first = g * kGroup;
        if (first + kGroup > pixels) {  // the last pixels: one by one
            for (unsigned i = first; i < pixels; ++i)
                for (unsigned c = 0; c < 3; ++c)
                    store(dst + c * std::size_t{pixels}, i,
                          __fdiv_rn(__fsub_rn(__fdiv_rn(static_cast<float>(src[3 * i + c]), p.maxval), p.mean[c]),
                                    p.std[c]));
            continue;
        }
        // 48 bytes in 12 registers; byte k is (word[k / 4] >> 8 * (k % 4)) & 0xFF, all indices known at compile time.
        unsigned word[12];
        const auto* s = reinterpret_cast<const uint4*>(src + 3 * std::size_t{first});
#pragma unroll
        for (unsigned q = 0; q < 3; ++q) {
            const uint4 v = s[q];
            word[4 * q] = v.x;
            word[4 * q + 1] = v.y;
            word[4 * q + 2] = v.z;
            word[4 * q + 3] = v.w;
        }
#pragma unroll
        for (unsigned c = 0; c < 3; ++c) {
            float v[kGroup];
#pragma unroll
            for (unsigned j = 0; j < kGroup; ++j) {
                const unsigned k = 3 * j + c;
                const float sample = static_cast<float>((word[k / 4] >> (8 * (k % 4))) & 0xFFu);
                v[j] = __fdiv_rn(__fsub_rn(__fdiv_rn(sample, p.maxval), p.mean[c]), p.std[c]);
            }
            store16(dst + c * std::size_t{pixels} + first, v, vector_stores);
        }
    }
}

template <typename S, typename D>
void launch(const void* src, void* dst, const Params& p, cudaStream_t stream) {
    const bool rgb8 = sizeof(S) == 1 && p.channels == 3 && p.pixels == p.height * p.width && p.top == 0 &&
                      p.left == 0 && p.pixels < (1u << 28) && reinterpret_cast<std::uintptr_t>(src) % 16 == 0;
    if constexpr (sizeof(S) == 1) {
        if (rgb8) {
            const auto pixels = static_cast<unsigned>(p.pixels);
            const bool vector = reinterpret_cast<std::uintptr_t>(dst) % 16 == 0 && pixels % 8 == 0;
            normalize_rgb8_kernel<D><<<detail::blocks_for((pixels + kGroup - 1) / kGroup), detail::kThreads, 0,
                                       stream>>>(static_cast<const std::uint8_t*>(src), static_cast<D*>(dst), p,
                                                 pixels, vector);
            return;
        }
    }
    normalize_kernel<S, D><<<detail::blocks_for(p.pixels), detail::kThreads, 0, stream>>>(
        static_cast<const S*>(src), static_cast<D*>(dst), p);
}

}  // namespace

void normalize(const void* src, DataType src_type, std::size_t batch, std::size_t height, std::size_t width,
               std::size_t channels, float maxval, const float* mean, const float* std, void* dst,
               DataType dst_type, cudaStream_t stream, const Placement& place) {
    check_normalize(src, src_type, batch, height, width, channels, maxval, mean, std, dst, dst_type);
    if (channels > kMaxNormalizeChannels)
        throw ArgumentError("normalize: the GPU kernel takes at most " + std::to_string(kMaxNormalizeChannels) +
                            " channels, got " + std::to_string(channels));
    Params p{};
    for (std::size_t c = 0; c < channels; ++c) {
        p.mean[c] = mean[c];
        p.std[c] = std[c];
    }
    p.maxval = maxval;
    p.channels = static_cast<unsigned>(channels);
    p.height = height;
    p.width = width;
    p.out_height = place.height ? place.height : height;
    p.out_width = place.width ? place.width : width;
    p.top = place.top;
    p.left = place.left;
    if (p.top + height > p.out_height || p.left + width > p.out_width)
        throw ArgumentError("normalize: a " + std::to_string(height) + "x" + std::to_string(width) +
                            " image placed at (" + std::to_string(p.top) + ", " + std::to_string(p.left) +
                            ") does not fit the " + std::to_string(p.out_height) + "x" +
                            std::to_string(p.out_width) + " output");
    p.pixels = checked_mul(checked_mul(batch, p.out_height, "normalize"), p.out_width, "normalize");
    const bool wide = src_type == DataType::kUInt16;
    const bool half = dst_type == DataType::kFloat16;
    if (wide && half) launch<std::uint16_t, __half>(src, dst, p, stream);
    else if (wide) launch<std::uint16_t, float>(src, dst, p, stream);
    else if (half) launch<std::uint8_t, __half>(src, dst, p, stream);
    else launch<std::uint8_t, float>(src, dst, p, stream);
    detail::check_launch("normalize");
}

}  // namespace trtcore::image::gpu
