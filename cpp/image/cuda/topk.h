// GPU top-k over the last axis of [rows, cols] scores: cpp/image/topk.h's order (larger first, +0 == -0, ties by
// lower index, NaN after every number) on device memory, queued on a caller's stream. Indices and values equal
// the CPU kernel's exactly: each score becomes a 64-bit key (its rank as a number, then its index) whose integer
// order is that total order, and a block per row sorts keys in shared memory (bitonic); values are read back
// from the scores by index (so -0 stays -0).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "common/tensor.h"

namespace trtcore::image::gpu {

// The most scores one block sorts at once, and the largest k for rows longer than that (the row is scanned in
// chunks of kTopkChunk, keeping the best kTopkChunk / 2).
constexpr std::size_t kTopkChunk = 4096;
constexpr std::size_t kTopkMaxLongK = kTopkChunk / 2;

// scores: rows x cols float32/float16 in device memory; indices_out: rows x k int64 and values_out (may be null):
// rows x k float32, in device memory or pinned host memory. Throws what image::check_topk throws, and
// ArgumentError for k > kTopkMaxLongK when cols > kTopkChunk, or cols >= 2^31.
void topk(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, std::size_t k,
          std::int64_t* indices_out, float* values_out, cudaStream_t stream);

}  // namespace trtcore::image::gpu
