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

DeviceBuffer::DeviceBuffer(std::size_t bytes, const std::string& what) { reserve(bytes, what); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      device_(other.device_) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        capacity_ = std::exchange(other.capacity_, 0);
        device_ = other.device_;
    }
    return *this;
}

DeviceBuffer::~DeviceBuffer() { release(); }

void DeviceBuffer::release() noexcept {
    if (data_ != nullptr) check_noexcept(cudaFree(data_));
    data_ = nullptr;
    capacity_ = 0;
}

bool DeviceBuffer::reserve(std::size_t bytes, const std::string& what) {
    if (data_ != nullptr && bytes <= capacity_) return false;
    const std::size_t size = rounded(bytes, what);  // before release(): a refused size keeps the old buffer
    release();
    check(cudaMalloc(&data_, size), "cudaMalloc for " + what + " (" + human_bytes(size) + ")");
    capacity_ = size;
    check(cudaGetDevice(&device_), "cudaGetDevice (" + what + ")");
    return true;
}

PinnedBuffer::PinnedBuffer(std::size_t bytes, const std::string& what) { reserve(bytes, what); }

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
}

PinnedBuffer::~PinnedBuffer() { release(); }

void PinnedBuffer::release() noexcept {
    if (data_ != nullptr) check_noexcept(cudaFreeHost(data_));
    data_ = nullptr;
    capacity_ = 0;
}

bool PinnedBuffer::reserve(std::size_t bytes, const std::string& what) {
    if (data_ != nullptr && bytes <= capacity_) return false;
    const std::size_t size = rounded(bytes, what);  // before release(): a refused size keeps the old buffer
    release();
    check(cudaHostAlloc(&data_, size, cudaHostAllocPortable),
          "cudaHostAlloc for " + what + " (" + human_bytes(size) + " pinned)");
    capacity_ = size;
    return true;
}

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
