// GPU normalize: cpp/image/preprocess.h's normalize on memory the device can read, queued on a caller's stream
// (nothing synchronises). Same arguments and checks, same values: (value / maxval - mean[c]) / std[c] evaluated
// in float32 in the guide's order with IEEE division and no contraction, so float32 results are bit-identical to
// the CPU kernel's, and float16 ones too (both round to nearest even).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "common/tensor.h"

namespace trtcore::image::gpu {

constexpr std::size_t kMaxNormalizeChannels = 8;

// Where the image lands in the output planes: each output plane is height x width, the image's pixel (y, x) goes
// to (top + y, left + x), everything else is 0 (the mean colour after normalization: the Segmenter's "pad" policy,
// and letterboxing when top/left centre it). Zero height/width: the image's own size (no padding).
struct Placement {
    std::size_t height = 0, width = 0, top = 0, left = 0;
};

// src: batch x height x width x channels samples (kUInt8/kUInt16), device memory or pinned host memory (read over
// the bus: the upload and the normalization in one pass). dst: device memory, batch x channels x plane of
// dst_type. mean/std are host pointers (copied into the launch). Throws what image::check_normalize throws, and
// ArgumentError for more than kMaxNormalizeChannels channels or a placement that does not hold the image.
void normalize(const void* src, DataType src_type, std::size_t batch, std::size_t height, std::size_t width,
               std::size_t channels, float maxval, const float* mean, const float* std, void* dst,
               DataType dst_type, cudaStream_t stream, const Placement& place = {});

}  // namespace trtcore::image::gpu
