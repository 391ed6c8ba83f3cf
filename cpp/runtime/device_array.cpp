// Only compiled with CUDA.
#ifdef TRTCORE_WITH_CUDA
#include "runtime/device_array.h"

#include "common/error.h"
#include "cuda/check.h"

namespace trtcore {

void DeviceArray::copy_to_host(void* dst) const {
    if (ready) ready->synchronize("DeviceArray.numpy");
    cuda::check(cudaMemcpy(dst, buffer->data(), nbytes, cudaMemcpyDeviceToHost), "DeviceArray.numpy");
}

const char* DeviceArray::typestr() const {
    const char* ts = dtype_info(dtype).typestr;
    if (ts[0] == '\0') throw DTypeError(std::string("__cuda_array_interface__ cannot describe ") + dtype_name(dtype));
    return ts;
}

std::optional<std::uintptr_t> DeviceArray::cai_stream() const {
    if (!ready) return std::nullopt;
    const auto handle = reinterpret_cast<std::uintptr_t>(stream);
    return handle == 0 ? 1 : handle;  // v3: 0 is disallowed, 1 is the legacy default stream
}

dlpack::ManagedTensorPtr DeviceArray::to_dlpack(std::optional<long long> consumer) const {
    auto managed = dlpack::export_cuda(buffer, buffer->data(), shape, dtype, device);
    // DLPack: no stream means the consumer uses the legacy default stream; -1 asks for no synchronisation.
    if (ready && consumer != -1LL) {
        const cudaStream_t s = consumer ? reinterpret_cast<cudaStream_t>(static_cast<std::uintptr_t>(*consumer))
                                        : cudaStreamLegacy;
        ready->make_wait(s, "__dlpack__ stream");
    }
    return managed;
}

std::string DeviceArray::repr() const {
    return std::string("DeviceArray(") + dtype_name(dtype) + " " + to_string(shape) + ", cuda:" +
           std::to_string(device) + ")";
}

}  // namespace trtcore

#endif  // TRTCORE_WITH_CUDA
