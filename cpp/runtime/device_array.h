// A CUDA array the executor hands out (output_device="cuda"): it owns (or shares) a device buffer, and an
// asynchronous result carries the event that completes it. What the bindings expose of it — a host copy, the
// CUDA Array Interface fields, a DLPack export ordered on a consumer's stream — is computed here.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/tensor.h"
#include "cuda/buffer.h"
#include "cuda/stream.h"
#include "runtime/dlpack.h"

namespace trtcore {

struct DeviceArray {
    std::shared_ptr<cuda::DeviceBuffer> buffer;
    Shape shape;
    DataType dtype = DataType::kFloat32;
    std::size_t nbytes = 0;
    int device = 0;
    std::shared_ptr<cuda::Event> ready;  // async results: complete once this is reached; null when complete
    cudaStream_t stream = nullptr;       // async results: the stream producing them

    std::uintptr_t ptr() const { return reinterpret_cast<std::uintptr_t>(buffer->data()); }
    // Copies the bytes to `dst` (nbytes of host memory), waiting for an asynchronous result first.
    void copy_to_host(void* dst) const;
    // The array-interface typestr ("<f4"); DTypeError for types it cannot describe (bfloat16, float8, int4).
    const char* typestr() const;
    // CUDA Array Interface v3 "stream": the stream a consumer must wait on; nullopt when the data is complete.
    std::optional<std::uintptr_t> cai_stream() const;
    // A DLPack tensor for a consumer on `consumer` (nullopt: the legacy default stream; -1: no ordering), which
    // waits (on the GPU) for an asynchronous result.
    dlpack::ManagedTensorPtr to_dlpack(std::optional<long long> consumer) const;
    // "DeviceArray(float32 [1, 3], cuda:0)"
    std::string repr() const;
};

}  // namespace trtcore
