#include "image/softmax.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/parallel.h"
#include "image/cpu_kernels.h"
#include "image/softmax_simd.h"

namespace trtcore::image {

namespace {

// One row, already in float32 at x (out may alias x): the scalar kernel (kScalar), libm's expf.
void softmax_row(const float* x, std::size_t cols, float* out) {
    float m = x[0];
    for (std::size_t j = 1; j < cols; ++j) {
        const float v = x[j];
        // numpy's max propagates NaN: once m is NaN it stays NaN.
        if (v > m || v != v) m = (m != m) ? m : v;
    }
    double sum = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
        const float e = std::exp(x[j] - m);
        out[j] = e;
        sum += e;
    }
    const float s = static_cast<float>(sum);
    for (std::size_t j = 0; j < cols; ++j) out[j] /= s;
}

}  // namespace

void check_softmax(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, const float* out) {
    if (scores == nullptr || out == nullptr) throw ArgumentError("softmax: scores or output pointer is null");
    if (rows == 0 || cols == 0)
        throw ShapeError("softmax: scores must be at least 1 x 1, got " + std::to_string(rows) + " x " +
                         std::to_string(cols));
    checked_mul(checked_mul(rows, cols, "softmax"), sizeof(float), "softmax");
    if (scores_type != DataType::kFloat32 && scores_type != DataType::kFloat16)
        throw DTypeError(std::string("softmax: scores must be float32 or float16, got ") + dtype_name(scores_type));
}

void softmax(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, float* out) {
    check_softmax(scores, scores_type, rows, cols, out);
    const std::size_t grain = cols >= 4096 ? 1 : 4096 / cols;
    const CpuKernels variant = cpu_kernels();
    const detail::SoftmaxRow row = variant == CpuKernels::kScalar ? softmax_row : detail::softmax_row(variant);
    if (scores_type == DataType::kFloat32) {
        const float* in = static_cast<const float*>(scores);
        parallel_for(rows, grain, [&](std::size_t begin, std::size_t end) {
            for (std::size_t r = begin; r < end; ++r) row(in + r * cols, cols, out + r * cols);
        });
    } else {
        const auto* in = static_cast<const std::uint16_t*>(scores);
        parallel_for(rows, grain, [&](std::size_t begin, std::size_t end) {
            for (std::size_t r = begin; r < end; ++r) {
                float* o = out + r * cols;
                for (std::size_t j = 0; j < cols; ++j) o[j] = half_to_float(in[r * cols + j]);
                row(o, cols, o);
            }
        });
    }
}

}  // namespace trtcore::image
