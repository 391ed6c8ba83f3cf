#include "image/cuda/argmax.h"

#include <cuda_fp16.h>

#include <cstdint>

#include "image/cuda/launch.cuh"
#include "image/postprocess.h"

namespace trtcore::image::gpu {

namespace {

__device__ inline float load(const float* p) { return __ldg(p); }
__device__ inline float load(const __half* p) { return __half2float(*p); }

// One thread per pixel: the c planes stream past in coalesced loads, the running maximum stays in a register.
// numpy's rule: take a value when it is larger, or when it is the first NaN.
template <typename T, typename L>
__global__ void argmax_kernel(const T* __restrict__ logits, L* __restrict__ labels, unsigned c, std::size_t plane,
                              std::size_t pixels) {
    for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < pixels;
         i += std::size_t{gridDim.x} * blockDim.x) {
        const std::size_t n = i / plane, at = i % plane;
        const T* p = logits + n * c * plane + at;
        float best = load(p);
        unsigned index = 0;
#pragma unroll 4
        for (unsigned k = 1; k < c; ++k) {
            const float x = load(p + k * plane);
            const bool take = (x > best) || (x != x && best == best);
            best = take ? x : best;
            index = take ? k : index;
        }
        labels[i] = static_cast<L>(index);
    }
}

template <typename T>
void launch_labels(const void* logits, void* labels, DataType label_type, unsigned c, std::size_t plane,
                   std::size_t pixels, cudaStream_t stream) {
    const auto* in = static_cast<const T*>(logits);
    const unsigned blocks = detail::blocks_for(pixels);
    if (label_type == DataType::kInt64)
        argmax_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, static_cast<std::int64_t*>(labels), c, plane,
                                                               pixels);
    else if (label_type == DataType::kInt32)
        argmax_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, static_cast<std::int32_t*>(labels), c, plane,
                                                               pixels);
    else
        argmax_kernel<<<blocks, detail::kThreads, 0, stream>>>(in, static_cast<std::uint8_t*>(labels), c, plane,
                                                               pixels);
}

}  // namespace

void argmax(const void* logits, DataType logits_type, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
            void* labels_out, DataType label_type, cudaStream_t stream) {
    check_argmax(logits, logits_type, n, c, h, w, labels_out, label_type);
    const std::size_t plane = h * w;
    const auto classes = static_cast<unsigned>(c);
    if (logits_type == DataType::kFloat16)
        launch_labels<__half>(logits, labels_out, label_type, classes, plane, n * plane, stream);
    else
        launch_labels<float>(logits, labels_out, label_type, classes, plane, n * plane, stream);
    detail::check_launch("argmax");
}

}  // namespace trtcore::image::gpu
