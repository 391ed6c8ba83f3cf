// CUDA status codes become trtcore exceptions here, and only here: CudaOutOfMemory for allocation failures,
// CudaError for everything else, each carrying CUDA's own name and words plus what we were doing (and for which
// tensor), so a user sees "cudaMalloc for tensor 'x' (16 MB): cudaErrorMemoryAllocation: out of memory".
#pragma once

#include <cuda_runtime_api.h>

#include <string>

namespace trtcore::cuda {

// "cudaErrorNoDevice: no CUDA-capable device is detected"
std::string describe(cudaError_t status);

// Throws CudaOutOfMemory / CudaError when `status` is not cudaSuccess. Clears CUDA's last-error slot first, so a
// non-sticky failure (bad argument, allocation) does not resurface in an unrelated later call.
void check(cudaError_t status, const std::string& what);

// Same as check() but never throws: for destructors and unwinding paths, where a second exception would terminate.
// Returns false on failure (already cleared).
bool check_noexcept(cudaError_t status) noexcept;

// "15.8 MB" for messages.
std::string human_bytes(std::size_t bytes);

}  // namespace trtcore::cuda
