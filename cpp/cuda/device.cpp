#include "cuda/device.h"

#include <cuda_runtime_api.h>

namespace trtcore::cuda {

std::string compiled_version() {
    return std::to_string(CUDART_VERSION / 1000) + "." + std::to_string((CUDART_VERSION % 1000) / 10);
}

Fields DeviceInfo::fields() const {
    return {{"index", index},
            {"name", name},
            {"compute_capability", compute_capability()},
            {"total_memory", static_cast<long long>(total_memory)},
            {"multiprocessors", multiprocessors}};
}

Fields DriverInfo::fields() const {
    return {{"driver_version", driver_version},
            {"runtime_version", runtime_version},
            {"error", error.empty() ? FieldValue() : FieldValue(error)}};
}

DriverInfo query_driver() {
    DriverInfo info;
    cudaRuntimeGetVersion(&info.runtime_version);
    if (cudaDriverGetVersion(&info.driver_version) != cudaSuccess) info.driver_version = 0;
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        info.error = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
        // cudaDriverGetVersion reports 0 when libcuda.so.1 cannot be loaded at all.
        if (info.driver_version == 0) info.error = "no NVIDIA driver found (" + info.error + ")";
        cudaGetLastError();  // clear the sticky error for later calls
        return info;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
        info.devices.push_back(
            {i, prop.name, prop.major, prop.minor, prop.totalGlobalMem, prop.multiProcessorCount});
    }
    return info;
}

}  // namespace trtcore::cuda
