// Top-k over the last axis of a [rows, cols] score matrix (a classifier's best classes per sample).
#pragma once

#include <cstddef>
#include <cstdint>

#include "image/types.h"

namespace trtcore::image {

// scores: rows x cols, C-contiguous, kFloat32 or kFloat16 (IEEE half bits); 1 <= k <= cols. Writes rows x k
// class indices (best first) to indices_out and their scores as float32 to values_out (may be null).
// Order: larger score first; equal scores (+0 and -0 are equal) by lower index first, like a stable sort; NaN
// after every number (lower index first among NaNs). That is numpy's np.argsort(-scores, kind="stable")[:, :k].
// Throws ArgumentError / ShapeError / DTypeError naming the bad argument.
void topk(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, std::size_t k,
          std::int64_t* indices_out, float* values_out);
// topk's argument checks (shared with the GPU kernel, cpp/image/cuda/topk.h).
void check_topk(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, std::size_t k,
                const std::int64_t* indices_out);

}  // namespace trtcore::image
