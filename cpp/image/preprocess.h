// Preprocess: interleaved HWC samples -> planar NCHW floats, per channel (value / maxval - mean[c]) / std[c].
//
// That is the formula of NVIDIA's quick start (RGBImageReader::process), evaluated in float32 in the same order,
// so float32 results are bit-identical to it (and to numpy doing the same float32 operations). Work is split over
// rows on num_threads() threads (common/parallel.h).
#pragma once

#include <cstddef>
#include <vector>

#include "image/pnm.h"
#include "image/types.h"

namespace trtcore::image {

// src: `batch` images of height x width x channels samples (kUInt8 or kUInt16, host-endian), C-contiguous NHWC.
// dst: batch x channels x height x width elements of dst_type (kFloat32, or kFloat16 as IEEE half bits), NCHW.
// mean and std hold `channels` values each; std values must be non-zero and maxval positive and finite. Nothing
// is allocated for the output: dst must hold batch*channels*height*width elements. Throws ArgumentError /
// ShapeError / DTypeError naming the bad argument.
void normalize(const void* src, DataType src_type, std::size_t batch, std::size_t height, std::size_t width,
               std::size_t channels, float maxval, const float* mean, const float* std, void* dst,
               DataType dst_type);

// The checks normalize makes of its arguments (the GPU kernel, cpp/image/cuda/normalize.h, makes the same ones).
void check_normalize(const void* src, DataType src_type, std::size_t batch, std::size_t height, std::size_t width,
                     std::size_t channels, float maxval, const float* mean, const float* std, const void* dst,
                     DataType dst_type);

// One image read from a file, with the file's maxval, into float32 CHW at dst (channels*height*width floats).
void normalize(const Image& image, const float* mean, const float* std, float* dst);
// Same, allocating the result; mean/std must have image.channels values.
std::vector<float> normalize(const Image& image, const std::vector<float>& mean, const std::vector<float>& std);

}  // namespace trtcore::image
