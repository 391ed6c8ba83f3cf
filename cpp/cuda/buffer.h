// Device (cudaMalloc) and pinned host (cudaHostAlloc) buffers that grow: reserve(bytes) reallocates only when the
// request is larger than what is held, so an executor running the same shapes allocates once. Move-only.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

namespace trtcore::cuda {

// Allocations are rounded up to this (and at least this), so even empty tensors get a valid, aligned address.
constexpr std::size_t kAllocationGranule = 256;

// How one kind of memory is taken and given back; Buffer<Memory> does the rest (growth, moves, ownership).
struct DeviceMemory {  // cudaMalloc on the current device
    static constexpr bool kOnDevice = true;  // Buffer::device() records the device
    static void* allocate(std::size_t bytes, const std::string& what);
    static void free(void* data) noexcept;
};
// Page-locked host memory: the GPU's copy engines read and write it directly, so copies are asynchronous and run
// at full PCIe/NVLink speed (pageable memory is staged through a driver buffer).
struct PinnedMemory {  // cudaHostAlloc, portable to every device
    static constexpr bool kOnDevice = false;
    static void* allocate(std::size_t bytes, const std::string& what);
    static void free(void* data) noexcept;
};

template <typename Memory>
class Buffer {
public:
    Buffer() = default;
    // Throws CudaOutOfMemory / CudaError naming `what` and the size.
    Buffer(std::size_t bytes, const std::string& what);
    Buffer(Buffer&& other) noexcept;
    Buffer& operator=(Buffer&& other) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer();

    // Makes room for `bytes`; true when it reallocated (old contents are dropped and the address changes). The old
    // block is freed before the new one is taken, so growing needs no more memory than the new size.
    bool reserve(std::size_t bytes, const std::string& what);
    void* data() const { return data_; }
    std::size_t capacity() const { return capacity_; }
    // Device memory: the device it lives on (current when allocated). Pinned memory: 0.
    int device() const { return device_; }

private:
    void release() noexcept;
    void* data_ = nullptr;
    std::size_t capacity_ = 0;
    int device_ = 0;
};

using DeviceBuffer = Buffer<DeviceMemory>;
using PinnedBuffer = Buffer<PinnedMemory>;
// Instantiated once, in buffer.cpp (the CUDA calls stay there).
extern template class Buffer<DeviceMemory>;
extern template class Buffer<PinnedMemory>;

// cudaMemcpyAsync with a message naming `what` on failure. No-op for 0 bytes.
void copy_async(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t stream,
                const std::string& what);

// The device a pointer's memory lives on; throws ArgumentError naming `what` when it is not device memory
// (a host pointer handed over as a CUDA array).
int pointer_device(const void* ptr, const std::string& what);

// The current device (cudaGetDevice), throwing CudaError when there is none.
int current_device(const std::string& what);

}  // namespace trtcore::cuda
