// The vector variants of argmax and colorize (postprocess_simd.cpp), called by postprocess.cpp per chunk of work.
// Internal to the image layer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "image/cpu_kernels.h"
#include "image/types.h"

namespace trtcore::image::detail {

struct ArgmaxJob {
    const void* logits;  // n x c x plane, float32 or float16 bits
    bool half;
    std::size_t c, plane;
    void* labels;  // n x plane of label_type
    DataType label_type;
    const float* half_table;  // float16 bits -> float32, for the exact (NaN) path
};
// Runs tiles [begin, end) of all n images: tile t is image t / tiles, pixels from (t % tiles) * tile_pixels, with
// tiles = ceil(plane / tile_pixels).
using ArgmaxTiles = void (*)(const ArgmaxJob& job, std::size_t begin, std::size_t end);
// The vector variants (k: kBaseline or above), for c < 32768 (the float16 kernel keeps indices in 16 bits).
ArgmaxTiles argmax_tiles(CpuKernels k);
std::size_t argmax_tile_pixels(bool half);

struct ColorizeJob {
    const void* labels;
    DataType label_type;
    const std::uint32_t* packed;  // palette colours as little-endian R | G << 8 | B << 16
    std::uint64_t size;
    std::uint8_t* rgb;
};
// Pixels [begin, end): returns end, or the first pixel whose id is outside the palette (nothing at or after it
// is guaranteed written; the caller reports it). Writes only rgb[3 * begin, 3 * end).
using ColorizeRange = std::size_t (*)(const ColorizeJob& job, std::size_t begin, std::size_t end);
ColorizeRange colorize_range(CpuKernels k);  // k: kBaseline or above

}  // namespace trtcore::image::detail
