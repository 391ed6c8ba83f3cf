#include "cuda/buffer.h"

#include <cstddef>
#include <limits>
#include <utility>

#include "common/error.h"
#include "cuda/check.h"

namespace trtcore::cuda {

namespace {
// Checked before rounding up: near SIZE_MAX, `bytes + granule - 1` wraps to a tiny allocation that the caller
// would then fill in full.
std::size_t rounded(std::size_t bytes, const std::string& what) {
    if (bytes > static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max())) {
        throw CudaOutOfMemory(what + ": " + std::to_string(bytes) + " bytes requested, more than any allocation can hold");
    }
    if (bytes < kAllocationGranule) return kAllocationGranule;
    return (bytes + kAllocationGranule - 1) / kAllocationGranule * kAllocationGranule;
}
}  // namespace

void* DeviceMemory::allocate(std::size_t bytes, const std::string& what) {
    void* data = nullptr;
    check(cudaMalloc(&data, bytes), "cudaMalloc for " + what + " (" + human_bytes(bytes) + ")");
    return data;
}

void DeviceMemory::free(void* data) noexcept { check_noexcept(cudaFree(data)); }

void* PinnedMemory::allocate(std::size_t bytes, const std::string& what) {
    void* data = nullptr;
    check(cudaHostAlloc(&data, bytes, cudaHostAllocPortable),
          "cudaHostAlloc for " + what + " (" + human_bytes(bytes) + " pinned)");
    return data;
}

void PinnedMemory::free(void* data) noexcept { check_noexcept(cudaFreeHost(data)); }

template <typename Memory>
Buffer<Memory>::Buffer(std::size_t bytes, const std::string& what) {
    reserve(bytes, what);
}

template <typename Memory>
Buffer<Memory>::Buffer(Buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      device_(other.device_) {}

template <typename Memory>
Buffer<Memory>& Buffer<Memory>::operator=(Buffer&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        capacity_ = std::exchange(other.capacity_, 0);
        device_ = other.device_;
    }
    return *this;
}

template <typename Memory>
Buffer<Memory>::~Buffer() {
    release();
}

template <typename Memory>
void Buffer<Memory>::release() noexcept {
    if (data_ != nullptr) Memory::free(data_);
    data_ = nullptr;
    capacity_ = 0;
}

template <typename Memory>
bool Buffer<Memory>::reserve(std::size_t bytes, const std::string& what) {
    if (data_ != nullptr && bytes <= capacity_) return false;
    const std::size_t size = rounded(bytes, what);  // before release(): a refused size keeps the old buffer
    release();
    data_ = Memory::allocate(size, what);
    capacity_ = size;
    if constexpr (Memory::kOnDevice) check(cudaGetDevice(&device_), "cudaGetDevice (" + what + ")");
    return true;
}

template class Buffer<DeviceMemory>;
template class Buffer<PinnedMemory>;

void copy_async(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t stream,
                const std::string& what) {
    if (bytes == 0) return;
    check(cudaMemcpyAsync(dst, src, bytes, kind, stream), "cudaMemcpyAsync (" + what + ")");
}

int pointer_device(const void* ptr, const std::string& what) {
    cudaPointerAttributes attributes{};
    check(cudaPointerGetAttributes(&attributes, ptr), "cudaPointerGetAttributes (" + what + ")");
    if (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged) {
        throw ArgumentError(what + ": the pointer handed over as a CUDA array is not device memory");
    }
    return attributes.device;
}

int current_device(const std::string& what) {
    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice (" + what + ")");
    return device;
}

}  // namespace trtcore::cuda
