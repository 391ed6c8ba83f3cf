#include "image/cuda/colorize.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "image/cuda/launch.cuh"

namespace trtcore::image::gpu {

namespace {

constexpr unsigned long long kNoBadId = std::numeric_limits<unsigned long long>::max();

constexpr unsigned kTilePixels = 16 * detail::kThreads;
constexpr unsigned kTileWords = 3 * kTilePixels / 16;  // uint4 words of a tile's RGB bytes

// A block takes 4096 pixels: each thread colours every 256th pixel of the tile into shared memory (coalesced label
// loads), then the tile's 12 KiB go out with coalesced 16-byte stores (whole lines over the bus when the output is
// pinned host memory), byte by byte where the output is not 16-byte aligned. The colour is the palette word's
// three low bytes (R, G, B). Bad ids: black, and the smallest such index wins the slot (atomicMin), as the CPU
// kernel reports the first one.
template <typename L>
__global__ void colorize_kernel(const L* __restrict__ labels, std::size_t count, const std::uint32_t* __restrict__
                                palette, std::size_t size, std::uint8_t* __restrict__ rgb, unsigned long long* bad,
                                bool vector) {
    __shared__ uint4 tile[kTileWords];
    auto* bytes = reinterpret_cast<std::uint8_t*>(tile);
    for (std::size_t first = blockIdx.x * std::size_t{kTilePixels}; first < count;
         first += std::size_t{gridDim.x} * kTilePixels) {
        const auto n = static_cast<unsigned>(count - first < kTilePixels ? count - first : kTilePixels);
        for (unsigned i = threadIdx.x; i < n; i += blockDim.x) {
            const long long id = static_cast<long long>(labels[first + i]);
            std::uint32_t color = 0;
            if (id >= 0 && static_cast<unsigned long long>(id) < size) color = __ldg(palette + id);
            else atomicMin(bad, static_cast<unsigned long long>(first + i));
            bytes[3 * i] = static_cast<std::uint8_t>(color);
            bytes[3 * i + 1] = static_cast<std::uint8_t>(color >> 8);
            bytes[3 * i + 2] = static_cast<std::uint8_t>(color >> 16);
        }
        __syncthreads();
        std::uint8_t* out = rgb + 3 * first;
        const unsigned tile_bytes = 3 * n;
        for (unsigned w = threadIdx.x; w < kTileWords; w += blockDim.x) {
            if (vector && 16 * (w + 1) <= tile_bytes) {
                reinterpret_cast<uint4*>(out)[w] = tile[w];
            } else {
                for (unsigned k = 16 * w; k < 16 * (w + 1) && k < tile_bytes; ++k) out[k] = bytes[k];
            }
        }
        __syncthreads();
    }
}

}  // namespace

DevicePalette::DevicePalette(const Palette& palette, const std::string& what)
    : colors_(palette.size() * sizeof(std::uint32_t), what + " (palette)"), size_(palette.size()) {
    cuda::check(cudaMemcpy(colors_.data(), palette.packed(), size_ * sizeof(std::uint32_t), cudaMemcpyHostToDevice),
                what + ": copying the palette to the device");
    // From pageable memory cudaMemcpy may return before the bytes land; kernels on non-blocking streams do not wait
    // for the legacy stream that carries it, so wait here (once per palette).
    cuda::check(cudaStreamSynchronize(cudaStreamLegacy), what + ": copying the palette to the device");
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
    const auto blocks = static_cast<unsigned>(std::min<std::size_t>((count + kTilePixels - 1) / kTilePixels, 1u << 20));
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
