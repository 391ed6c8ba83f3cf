// Softmax over the last axis of a [rows, cols] score matrix (a classifier's logits -> probabilities).
#pragma once

#include <cstddef>

#include "image/types.h"

namespace trtcore::image {

// scores: rows x cols, C-contiguous, kFloat32 or kFloat16 (IEEE half bits). out: rows x cols float32.
// Same formula and special values as numpy's stable softmax on float32,
//     e = exp(x - max(x)); e / sum(e)
// evaluated in float32 with the sum accumulated in double, so results equal numpy's to float rounding (the vector
// variants, cpu_kernels.h, have their own expf: within 4 ulp of the scalar kernel, 8 of numpy's float32). Special
// values follow from that formula: a row holding NaN or +inf, or only -inf, is all NaN; -inf entries get 0.
// Throws ArgumentError / ShapeError / DTypeError naming the bad argument.
void softmax(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, float* out);
// softmax's argument checks (shared with the GPU kernel, cpp/image/cuda/softmax.h).
void check_softmax(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, const float* out);

}  // namespace trtcore::image
