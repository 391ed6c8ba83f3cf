#include "image/cuda/colorize.h"

#include <cstdint>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "image/cuda/launch.cuh"

namespace trtcore::image::gpu {

namespace {

constexpr unsigned long long kNoBadId = std::numeric_limits<unsigned long long>::max();

constexpr unsigned kGroup = 16;

__device__ inline std::uint32_t color_of(long long id, const std::uint32_t* __restrict__ palette, std::size_t size,
                                        std::size_t i, unsigned long long* bad) {
    if (id >= 0 && static_cast<unsigned long long>(id) < size) return __ldg(palette + id);
    atomicMin(bad, static_cast<unsigned long long>(i));
    return 0;
}

// 16 pixels per thread: their 48 RGB bytes go out as three 16-byte stores when the output is 16-byte aligned
// (whole lines over the bus when it is pinned host memory), byte by byte otherwise and for the last pixels. The
// colour is the palette word's three low bytes (R, G, B). Bad ids: black, and the smallest such index wins the slot
// (atomicMin), as the CPU kernel reports the first one.
template <typename L>
__global__ void colorize_kernel(const L* __restrict__ labels, std::size_t count, const std::uint32_t* __restrict__
                                palette, std::size_t size, std::uint8_t* __restrict__ rgb, unsigned long long* bad,
                                bool vector) {
    const std::size_t groups = (count + kGroup - 1) / kGroup;
    for (std::size_t g = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; g < groups;
         g += std::size_t{gridDim.x} * blockDim.x) {
        const std::size_t first = g * kGroup;
        if (vector && first + kGroup <= count) {
            alignas(16) std::uint8_t out[3 * kGroup];
#pragma unroll
            for (unsigned j = 0; j < kGroup; ++j) {
                const std::uint32_t c = color_of(static_cast<long long>(labels[first + j]), palette, size,
                                                 first + j, bad);
                out[3 * j] = static_cast<std::uint8_t>(c);
                out[3 * j + 1] = static_cast<std::uint8_t>(c >> 8);
                out[3 * j + 2] = static_cast<std::uint8_t>(c >> 16);
            }
            auto* dst = reinterpret_cast<uint4*>(rgb + 3 * first);
#pragma unroll
            for (unsigned q = 0; q < 3; ++q) dst[q] = *reinterpret_cast<const uint4*>(out + 16 * q);
            continue;
        }
        for (std::size_t i = first; i < count && i < first + kGroup; ++i) {
            const std::uint32_t c = color_of(static_cast<long long>(labels[i]), palette, size, i, bad);
            rgb[3 * i] = static_cast<std::uint8_t>(c);
            rgb[3 * i + 1] = static_cast<std::uint8_t>(c >> 8);
            rgb[3 * i + 2] = static_cast<std::uint8_t>(c >> 16);
        }
    }
}

}  // namespace

DevicePalette::DevicePalette(const Palette& palette, const std::string& what)
    : colors_(palette.size() * sizeof(std::uint32_t), what + " (palette)"), size_(palette.size()) {
    cuda::check(cudaMemcpy(colors_.data(), palette.packed(), size_ * sizeof(std::uint32_t), cudaMemcpyHostToDevice),
                what + ": copying the palette to the device");
}

IdCheck::IdCheck(const std::string& what)
    : slot_(sizeof(unsigned long long), what + " (id check)"), host_(sizeof(unsigned long long), what + " (id check)") {
    *static_cast<unsigned long long*>(host_.data()) = kNoBadId;
}

void IdCheck::reset(cudaStream_t stream) {
    cuda::check(cudaMemsetAsync(slot_.data(), 0xFF, sizeof(unsigned long long), stream), "colorize: id check reset");
}

void IdCheck::fetch(cudaStream_t stream) {
    cuda::copy_async(host_.data(), slot_.data(), sizeof(unsigned long long), cudaMemcpyDeviceToHost, stream,
                     "colorize: id check");
}

void IdCheck::raise_if_bad(const void* labels, DataType label_type, std::size_t palette_size) const {
    const unsigned long long index = *static_cast<const unsigned long long*>(host_.data());
    if (index == kNoBadId) return;
    const std::size_t width = element_size(label_type);
    unsigned char bytes[8] = {};
    cuda::check(cudaMemcpy(bytes, static_cast<const unsigned char*>(labels) + index * width, width,
                           cudaMemcpyDefault), "colorize: reading the id outside the palette");
    id_outside(label_at(bytes, label_type, 0), static_cast<std::size_t>(index), palette_size);
}

void colorize(const void* labels, DataType label_type, std::size_t count, const DevicePalette& palette,
              std::uint8_t* rgb_out, IdCheck& check, cudaStream_t stream) {
    if (count == 0) return;
    check_colorize(labels, label_type, count, palette.size(), rgb_out);
    check.reset(stream);
    const unsigned blocks = detail::blocks_for((count + kGroup - 1) / kGroup);
    unsigned long long* bad = check.device_slot();
    const bool vector = reinterpret_cast<std::uintptr_t>(rgb_out) % 16 == 0;
    if (label_type == DataType::kInt64)
        colorize_kernel<<<blocks, detail::kThreads, 0, stream>>>(static_cast<const std::int64_t*>(labels), count,
                                                                 palette.data(), palette.size(), rgb_out, bad, vector);
    else if (label_type == DataType::kInt32)
        colorize_kernel<<<blocks, detail::kThreads, 0, stream>>>(static_cast<const std::int32_t*>(labels), count,
                                                                 palette.data(), palette.size(), rgb_out, bad, vector);
    else
        colorize_kernel<<<blocks, detail::kThreads, 0, stream>>>(static_cast<const std::uint8_t*>(labels), count,
                                                                 palette.data(), palette.size(), rgb_out, bad, vector);
    detail::check_launch("colorize");
    check.fetch(stream);
}

}  // namespace trtcore::image::gpu
