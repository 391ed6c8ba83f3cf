#include "image/cuda/resize.h"

#include <utility>

#include "common/error.h"
#include "image/cuda/launch.cuh"

namespace trtcore::image::gpu {

namespace {

struct PassParams {
    std::size_t samples;               // out_height * out_width * channels
    std::size_t in_row, out_row;       // samples per row
    std::size_t row_offset;            // horizontal: first input row
    unsigned channels, taps;
};

constexpr int kHalf = 1 << (kResizePrecisionBits - 1);

__device__ inline std::uint8_t clip8(int ss) {
    const int v = ss >> kResizePrecisionBits;
    return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// One thread per output sample; Pillow's sum in int32 (it cannot overflow: bilinear weights are positive and sum
// to about 2^22, times at most 255).
__global__ void horizontal_kernel(const std::uint8_t* __restrict__ src, std::uint8_t* __restrict__ dst,
                                  const std::int32_t* __restrict__ first, const std::int32_t* __restrict__ count,
                                  const std::int32_t* __restrict__ weights, PassParams p) {
    for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < p.samples;
         i += std::size_t{gridDim.x} * blockDim.x) {
        const std::size_t r = i / p.out_row, at = i % p.out_row;
        const std::size_t xx = at / p.channels, c = at % p.channels;
        const std::uint8_t* s = src + (p.row_offset + r) * p.in_row + std::size_t(__ldg(first + xx)) * p.channels + c;
        const std::int32_t* w = weights + xx * p.taps;
        const int n = __ldg(count + xx);
        int ss = kHalf;
        for (int k = 0; k < n; ++k) ss += int(s[std::size_t(k) * p.channels]) * __ldg(w + k);
        dst[i] = clip8(ss);
    }
}

__global__ void vertical_kernel(const std::uint8_t* __restrict__ src, std::uint8_t* __restrict__ dst,
                                const std::int32_t* __restrict__ first, const std::int32_t* __restrict__ count,
                                const std::int32_t* __restrict__ weights, PassParams p) {
    for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < p.samples;
         i += std::size_t{gridDim.x} * blockDim.x) {
        const std::size_t yy = i / p.out_row, j = i % p.out_row;
        const std::uint8_t* s = src + std::size_t(__ldg(first + yy)) * p.in_row + j;
        const std::int32_t* w = weights + yy * p.taps;
        const int n = __ldg(count + yy);
        int ss = kHalf;
        for (int k = 0; k < n; ++k) ss += int(s[std::size_t(k) * p.in_row]) * __ldg(w + k);
        dst[i] = clip8(ss);
    }
}

}  // namespace

DeviceResize::DeviceResize(ResizePlan plan, const std::string& what) : plan_(std::move(plan)) {
    for (const ResamplePass& pass : plan_.passes) {
        const std::size_t along = pass.first.size();
        std::vector<std::int32_t> packed;
        packed.reserve(2 * along + pass.weights.size());
        packed.insert(packed.end(), pass.first.begin(), pass.first.end());
        packed.insert(packed.end(), pass.count.begin(), pass.count.end());
        packed.insert(packed.end(), pass.weights.begin(), pass.weights.end());
        Tables t{cuda::DeviceBuffer(packed.size() * sizeof(std::int32_t), what + " (resize weights)")};
        cuda::check(cudaMemcpy(t.data.data(), packed.data(), packed.size() * sizeof(std::int32_t),
                               cudaMemcpyHostToDevice), what + ": copying the resize weights to the device");
        tables_.push_back(std::move(t));
    }
    // cudaMemcpy from pageable memory may return before its DMA lands; the caller's stream may be non-blocking.
    cuda::check(cudaStreamSynchronize(cudaStreamLegacy), what + ": copying the resize weights to the device");
    if (plan_.scratch_bytes() > 0) scratch_ = cuda::DeviceBuffer(plan_.scratch_bytes(), what + " (resize scratch)");
}

void resize(const std::uint8_t* src, const DeviceResize& resize, std::uint8_t* dst, cudaStream_t stream) {
    if (src == nullptr || dst == nullptr) throw ArgumentError("resize: source or output pointer is null");
    const ResizePlan& plan = resize.plan();
    if (plan.passes.empty()) {
        cuda::copy_async(dst, src, plan.height * plan.width * plan.channels, cudaMemcpyDefault, stream,
                         "resize: copying the image");
        return;
    }
    const std::uint8_t* in = src;
    for (std::size_t i = 0; i < plan.passes.size(); ++i) {
        const ResamplePass& pass = plan.passes[i];
        std::uint8_t* out = i + 1 == plan.passes.size() ? dst : resize.scratch();
        PassParams p{};
        p.in_row = pass.in_width * plan.channels;
        p.out_row = pass.out_width * plan.channels;
        p.samples = pass.out_height * p.out_row;
        p.row_offset = pass.row_offset;
        p.channels = static_cast<unsigned>(plan.channels);
        p.taps = static_cast<unsigned>(pass.taps);
        const std::size_t along = pass.first.size();
        const std::int32_t* first = resize.tables()[i].first();
        const std::int32_t* count = first + along;
        const std::int32_t* weights = count + along;
        const unsigned blocks = detail::blocks_for(p.samples);
        if (pass.horizontal)
            horizontal_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, out, first, count, weights, p);
        else
            vertical_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, out, first, count, weights, p);
        detail::check_launch(pass.horizontal ? "resize (horizontal pass)" : "resize (vertical pass)");
        in = out;
    }
}

}  // namespace trtcore::image::gpu
