// GPU softmax over the last axis of [rows, cols] scores: cpp/image/softmax.h's formula and special values on
// device memory, queued on a caller's stream. e = exp(x - max) is computed in double and rounded to float32 once
// (the CPU's scalar kernel calls libm's expf, correctly rounded in all but rare cases), the sum is accumulated in
// double in another order, and e / sum is an IEEE float32 division: results are within 3 ulp of the scalar CPU
// kernel (tests/test_image_cuda.py measures it), NaN exactly where the CPU puts NaN, 0 for -inf entries.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "common/tensor.h"

namespace trtcore::image::gpu {

// scores: rows x cols float32/float16 in device memory; out: rows x cols float32 in device memory (it is
// written and read back). Throws what image::check_softmax throws.
void softmax(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, float* out,
             cudaStream_t stream);

}  // namespace trtcore::image::gpu
