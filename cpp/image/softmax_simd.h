// The vector softmax row (softmax_simd.cpp), per CPU kernel variant. Internal to the image layer.
#pragma once

#include <cstddef>

#include "image/cpu_kernels.h"

namespace trtcore::image::detail {

// One row in float32 at x (out may alias x). k: kBaseline or above; every such variant gives the same bits.
using SoftmaxRow = void (*)(const float* x, std::size_t cols, float* out);
SoftmaxRow softmax_row(CpuKernels k);

}  // namespace trtcore::image::detail
