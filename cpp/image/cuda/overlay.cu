#include "image/cuda/overlay.h"

#include "image/cuda/launch.cuh"
#include "image/overlay.h"
#include "image/postprocess.h"

namespace trtcore::image::gpu {

namespace {

// overlay_sample (cpp/image/overlay.h) with each rounding spelled out.
__device__ inline std::uint8_t blend(float image, float colored, float wi, float wl) {
    float v = __fadd_rn(__fadd_rn(__fmul_rn(wi, image), __fmul_rn(wl, colored)), 0.5f);
    v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
    return static_cast<std::uint8_t>(__float2uint_rz(v));
}

template <typename S, typename L>
__global__ void overlay_kernel(const S* __restrict__ image, const L* __restrict__ labels, std::size_t pixels,
                               const std::uint32_t* __restrict__ palette, std::size_t size, float wi, float wl,
                               std::uint8_t* __restrict__ out, unsigned long long* bad) {
    for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < pixels;
         i += std::size_t{gridDim.x} * blockDim.x) {
        const long long id = static_cast<long long>(labels[i]);
        std::uint32_t color = 0;
        if (id >= 0 && static_cast<unsigned long long>(id) < size) color = __ldg(palette + id);
        else atomicMin(bad, static_cast<unsigned long long>(i));
        const S* px = image + 3 * i;
        out[3 * i] = blend(static_cast<float>(px[0]), static_cast<float>(color & 0xFFu), wi, wl);
        out[3 * i + 1] = blend(static_cast<float>(px[1]), static_cast<float>((color >> 8) & 0xFFu), wi, wl);
        out[3 * i + 2] = blend(static_cast<float>(px[2]), static_cast<float>((color >> 16) & 0xFFu), wi, wl);
    }
}

template <typename S>
void launch(const void* image, const void* labels, DataType label_type, std::size_t pixels,
            const DevicePalette& palette, const OverlayWeights& w, std::uint8_t* out, unsigned long long* bad,
            cudaStream_t stream) {
    const auto* in = static_cast<const S*>(image);
    const unsigned blocks = detail::blocks_for(pixels);
    if (label_type == DataType::kInt64)
        overlay_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, static_cast<const std::int64_t*>(labels), pixels,
                                                                palette.data(), palette.size(), w.image, w.labels,
                                                                out, bad);
    else if (label_type == DataType::kInt32)
        overlay_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, static_cast<const std::int32_t*>(labels), pixels,
                                                                palette.data(), palette.size(), w.image, w.labels,
                                                                out, bad);
    else
        overlay_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, static_cast<const std::uint8_t*>(labels), pixels,
                                                                palette.data(), palette.size(), w.image, w.labels,
                                                                out, bad);
}

}  // namespace

void overlay(const void* image, DataType image_type, const void* labels, DataType label_type, std::size_t pixels,
             const DevicePalette& palette, double alpha, std::uint8_t* out, IdCheck& check, cudaStream_t stream) {
    const OverlayWeights w = overlay_weights(alpha);
    if (pixels == 0) return;
    check_overlay(image, image_type, out, pixels, out);
    check_colorize(labels, label_type, pixels, palette.size(), out);
    check.reset(stream);
    if (image_type == DataType::kUInt16)
        launch<std::uint16_t>(image, labels, label_type, pixels, palette, w, out, check.device_slot(), stream);
    else
        launch<std::uint8_t>(image, labels, label_type, pixels, palette, w, out, check.device_slot(), stream);
    detail::check_launch("overlay");
    check.fetch(stream);
}

}  // namespace trtcore::image::gpu
