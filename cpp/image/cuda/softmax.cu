#include "image/cuda/softmax.h"

#include <cuda_fp16.h>

#include <cmath>

#include "image/cuda/launch.cuh"
#include "image/softmax.h"

namespace trtcore::image::gpu {

namespace {

constexpr unsigned kWarps = detail::kThreads / 32;

__device__ inline float load(const float* p) { return __ldg(p); }
__device__ inline float load(const __half* p) { return __half2float(*p); }

// numpy's max: NaN wins.
__device__ inline float nan_max(float a, float b) { return a != a ? a : (b != b ? b : (b > a ? b : a)); }

// Block-wide reductions over kThreads threads; every thread gets the result.
__device__ float block_max(float v, float* shared) {
    for (int o = 16; o > 0; o >>= 1) v = nan_max(v, __shfl_xor_sync(0xFFFFFFFFu, v, o));
    if (threadIdx.x % 32 == 0) shared[threadIdx.x / 32] = v;
    __syncthreads();
    float m = shared[0];
    for (unsigned w = 1; w < kWarps; ++w) m = nan_max(m, shared[w]);
    __syncthreads();
    return m;
}

__device__ double block_sum(double v, double* shared) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
    if (threadIdx.x % 32 == 0) shared[threadIdx.x / 32] = v;
    __syncthreads();
    double s = 0.0;
    for (unsigned w = 0; w < kWarps; ++w) s += shared[w];
    __syncthreads();
    return s;
}

// One block per row: max, then e = exp(x - max) (written to out) and its sum, then out /= sum.
template <typename T>
__global__ void __launch_bounds__(detail::kThreads) softmax_kernel(const T* __restrict__ scores, float* out,
                                                                   std::size_t rows, std::size_t cols) {
    __shared__ float shared_max[kWarps];
    __shared__ double shared_sum[kWarps];
    for (std::size_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* x = scores + r * cols;
        float* o = out + r * cols;
        float m = -INFINITY;
        for (std::size_t j = threadIdx.x; j < cols; j += blockDim.x) m = nan_max(m, load(x + j));
        m = block_max(m, shared_max);
        double sum = 0.0;
        for (std::size_t j = threadIdx.x; j < cols; j += blockDim.x) {
            const float e = __double2float_rn(exp(static_cast<double>(__fsub_rn(load(x + j), m))));
            o[j] = e;
            sum += e;
        }
        const float s = __double2float_rn(block_sum(sum, shared_sum));
        for (std::size_t j = threadIdx.x; j < cols; j += blockDim.x) o[j] = __fdiv_rn(o[j], s);
    }
}

}  // namespace

void softmax(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, float* out,
             cudaStream_t stream) {
    check_softmax(scores, scores_type, rows, cols, out);
    const unsigned blocks = static_cast<unsigned>(rows < 0x7FFFFFFF ? rows : 0x7FFFFFFF);
    if (scores_type == DataType::kFloat16)
        softmax_kernel<<<blocks, detail::kThreads, 0, stream>>>(static_cast<const __half*>(scores), out, rows, cols);
    else
        softmax_kernel<<<blocks, detail::kThreads, 0, stream>>>(static_cast<const float*>(scores), out, rows, cols);
    detail::check_launch("softmax");
}

}  // namespace trtcore::image::gpu
