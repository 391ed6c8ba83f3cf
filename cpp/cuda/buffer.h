// Device (cudaMalloc) and pinned host (cudaHostAlloc) buffers that grow: reserve(bytes) reallocates only when the
// request is larger than what is held, so an executor running the same shapes allocates once. Move-only.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

namespace trtcore::cuda {

// Allocations are rounded up to this (and at least this), so even empty tensors get a valid, aligned address.
constexpr std::size_t kAllocationGranule = 256;

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    // Throws CudaOutOfMemory / CudaError naming `what` and the size.
    DeviceBuffer(std::size_t bytes, const std::string& what);
    DeviceBuffer(DeviceBuffer&& other) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer();

    // Makes room for `bytes`; true when it reallocated (old contents are dropped and the address changes). The old
    // block is freed before the new one is taken, so growing needs no more memory than the new size.
    bool reserve(std::size_t bytes, const std::string& what);
    void* data() const { return data_; }
    std::size_t capacity() const { return capacity_; }
    int device() const { return device_; }

private:
    void release() noexcept;
    void* data_ = nullptr;
    std::size_t capacity_ = 0;
    int device_ = 0;
};

// Page-locked host memory: the GPU's copy engines read and write it directly, so copies are asynchronous and run
// at full PCIe/NVLink speed (pageable memory is staged through a driver buffer).
class PinnedBuffer {
public:
    PinnedBuffer() = default;
    PinnedBuffer(std::size_t bytes, const std::string& what);
    PinnedBuffer(PinnedBuffer&& other) noexcept;
    PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;
    ~PinnedBuffer();

    bool reserve(std::size_t bytes, const std::string& what);
    void* data() const { return data_; }
    std::size_t capacity() const { return capacity_; }

private:
    void release() noexcept;
    void* data_ = nullptr;
    std::size_t capacity_ = 0;
};

// cudaMemcpyAsync with a message naming `what` on failure. No-op for 0 bytes.
void copy_async(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t stream,
                const std::string& what);

// The device a pointer's memory lives on; throws ArgumentError naming `what` when it is not device memory
// (a host pointer handed over as a CUDA array).
int pointer_device(const void* ptr, const std::string& what);

// The current device (cudaGetDevice), throwing CudaError when there is none.
int current_device(const std::string& what);

}  // namespace trtcore::cuda
