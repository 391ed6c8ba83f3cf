#include "cuda/check.h"

#include <cstdio>

#include "common/error.h"

namespace trtcore::cuda {

std::string describe(cudaError_t status) {
    return std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
}

void check(cudaError_t status, const std::string& what) {
    if (status == cudaSuccess) return;
    cudaGetLastError();  // non-sticky errors would otherwise be reported again by the next call's check
    const std::string message = what + ": " + describe(status);
    if (status == cudaErrorMemoryAllocation) throw CudaOutOfMemory(message);
    throw CudaError(message);
}

bool check_noexcept(cudaError_t status) noexcept {
    if (status == cudaSuccess) return true;
    cudaGetLastError();
    return false;
}

std::string human_bytes(std::size_t bytes) {
    char text[32];
    const double b = static_cast<double>(bytes);
    if (bytes < 1000) std::snprintf(text, sizeof text, "%zu B", bytes);
    else if (bytes < 1000 * 1000) std::snprintf(text, sizeof text, "%.1f kB", b / 1e3);
    else if (bytes < 1000ull * 1000 * 1000) std::snprintf(text, sizeof text, "%.1f MB", b / 1e6);
    else std::snprintf(text, sizeof text, "%.1f GB", b / 1e9);
    return text;
}

}  // namespace trtcore::cuda
