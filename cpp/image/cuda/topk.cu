#include "image/cuda/topk.h"

#include <cuda_fp16.h>

#include <string>

#include "common/error.h"
#include "image/cuda/launch.cuh"
#include "image/topk.h"

namespace trtcore::image::gpu {

namespace {

constexpr unsigned kTopkThreads = 512;
constexpr unsigned long long kPad = ~0ULL;  // after every real key (indices stay below 2^31)

__device__ inline float load(const float* p) { return __ldg(p); }
__device__ inline float load(const __half* p) { return __half2float(*p); }

// Ascending key order = the CPU's order: the high word ranks the value (larger first, -0 as +0, NaN last), the
// low word is the index (lower first among equal values and among NaNs).
__device__ inline unsigned long long key_of(float v, unsigned index) {
    unsigned rank = 0xFFFFFFFFu;
    if (v == v) {
        const unsigned u = __float_as_uint(v == 0.0f ? 0.0f : v);
        const unsigned ascending = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
        rank = ~ascending;
    }
    return (static_cast<unsigned long long>(rank) << 32) | index;
}

// Sorts keys[0, n) ascending, n a power of two <= kTopkChunk; all threads of the block take part.
__device__ void bitonic_sort(unsigned long long* keys, unsigned n) {
    for (unsigned size = 2; size <= n; size <<= 1) {
        for (unsigned stride = size >> 1; stride > 0; stride >>= 1) {
            for (unsigned t = threadIdx.x; t < n / 2; t += blockDim.x) {
                const unsigned i = ((t & ~(stride - 1)) << 1) | (t & (stride - 1));
                const unsigned j = i + stride;
                const unsigned long long a = keys[i], b = keys[j];
                const bool ascending = (i & size) == 0;
                if ((a > b) == ascending) {
                    keys[i] = b;
                    keys[j] = a;
                }
            }
            __syncthreads();
        }
    }
}

template <typename T>
__global__ void __launch_bounds__(kTopkThreads) topk_kernel(const T* __restrict__ scores, std::size_t rows,
                                                            unsigned cols, unsigned k, std::int64_t* indices,
                                                            float* values) {
    __shared__ unsigned long long keys[kTopkChunk];
    unsigned n = 1;
    while (n < cols && n < kTopkChunk) n <<= 1;
    for (std::size_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* x = scores + r * cols;
        for (unsigned j = threadIdx.x; j < n; j += blockDim.x) keys[j] = j < cols ? key_of(load(x + j), j) : kPad;
        __syncthreads();
        bitonic_sort(keys, n);
        // Longer rows: the best half stays, the next chunk of kTopkChunk / 2 scores joins it, sort again.
        constexpr unsigned kHalf = kTopkChunk / 2;
        for (unsigned next = n; next < cols; next += kHalf) {
            for (unsigned j = threadIdx.x; j < kHalf; j += blockDim.x)
                keys[kHalf + j] = next + j < cols ? key_of(load(x + next + j), next + j) : kPad;
            __syncthreads();
            bitonic_sort(keys, kTopkChunk);
        }
        for (unsigned j = threadIdx.x; j < k; j += blockDim.x) {
            const unsigned index = static_cast<unsigned>(keys[j] & 0xFFFFFFFFu);
            indices[r * k + j] = index;
            if (values != nullptr) values[r * k + j] = load(x + index);
        }
        __syncthreads();  // the keys are reloaded for the next row
    }
}

}  // namespace

void topk(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, std::size_t k,
          std::int64_t* indices_out, float* values_out, cudaStream_t stream) {
    check_topk(scores, scores_type, rows, cols, k, indices_out);
    if (cols > 0x7FFFFFFFu)
        throw ArgumentError("topk: the GPU kernel takes fewer than 2^31 classes, got " + std::to_string(cols));
    if (cols > kTopkChunk && k > kTopkMaxLongK)
        throw ArgumentError("topk: with more than " + std::to_string(kTopkChunk) +
                            " classes the GPU kernel takes k <= " + std::to_string(kTopkMaxLongK) + ", got " +
                            std::to_string(k));
    const unsigned blocks = static_cast<unsigned>(rows < 0x7FFFFFFF ? rows : 0x7FFFFFFF);
    const auto c = static_cast<unsigned>(cols);
    const auto kk = static_cast<unsigned>(k);
    if (scores_type == DataType::kFloat16)
        topk_kernel<<<blocks, kTopkThreads, 0, stream>>>(static_cast<const __half*>(scores), rows, c, kk,
                                                         indices_out, values_out);
    else
        topk_kernel<<<blocks, kTopkThreads, 0, stream>>>(static_cast<const float*>(scores), rows, c, kk, indices_out,
                                                         values_out);
    detail::check_launch("topk");
}

}  // namespace trtcore::image::gpu
