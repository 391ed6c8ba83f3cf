// What every kernel file in cpp/image/cuda shares: grid sizing and the launch check. Device code only includes
// this; host launchers throw trtcore errors (common/error.h) through cuda::check.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include "cuda/check.h"

namespace trtcore::image::gpu::detail {

constexpr unsigned kThreads = 256;

// Blocks of kThreads covering `items`, at most 2^31 - 1 (grid-stride loops in the kernels cover the rest).
inline unsigned blocks_for(std::size_t items) {
    const std::size_t blocks = (items + kThreads - 1) / kThreads;
    return static_cast<unsigned>(std::clamp<std::size_t>(blocks, 1, 0x7FFFFFFF));
}

// A launch that could not start (no device, bad configuration, an earlier fault) raises CudaError naming the
// kernel; faults while it runs surface at the next synchronisation, which names what was queued (cpp/pipeline).
inline void check_launch(const char* kernel) {
    cuda::check(cudaGetLastError(), std::string("launching the ") + kernel + " kernel");
}

}  // namespace trtcore::image::gpu::detail
