#include "image/topk.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/parallel.h"

namespace trtcore::image {

void check_topk(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, std::size_t k,
                const std::int64_t* indices_out) {
    if (scores == nullptr || indices_out == nullptr) throw ArgumentError("topk: scores or indices pointer is null");
    if (rows == 0 || cols == 0)
        throw ShapeError("topk: scores must be at least 1 x 1, got " + std::to_string(rows) + " x " +
                         std::to_string(cols));
    if (k < 1 || k > cols)
        throw ArgumentError("topk: k must be 1.." + std::to_string(cols) + " (the number of classes), got " +
                            std::to_string(k));
    checked_mul(checked_mul(rows, cols, "topk"), sizeof(float), "topk");
    if (scores_type != DataType::kFloat32 && scores_type != DataType::kFloat16)
        throw DTypeError(std::string("topk: scores must be float32 or float16, got ") + dtype_name(scores_type));
}

void topk(const void* scores, DataType scores_type, std::size_t rows, std::size_t cols, std::size_t k,
          std::int64_t* indices_out, float* values_out) {
    check_topk(scores, scores_type, rows, cols, k, indices_out);
    const bool half = scores_type == DataType::kFloat16;
    const std::size_t grain = cols >= 4096 ? 1 : 4096 / cols;
    parallel_for(rows, grain, [&](std::size_t begin, std::size_t end) {
        std::vector<float> v(cols);
        std::vector<std::uint32_t> idx(cols);
        for (std::size_t r = begin; r < end; ++r) {
            if (half) {
                const auto* in = static_cast<const std::uint16_t*>(scores) + r * cols;
                for (std::size_t j = 0; j < cols; ++j) v[j] = half_to_float(in[j]);
            } else {
                const float* in = static_cast<const float*>(scores) + r * cols;
                std::copy(in, in + cols, v.begin());
            }
            std::iota(idx.begin(), idx.end(), 0u);
            // A strict total order (index breaks every tie), so partial_sort's result is fully determined.
            auto before = [&v](std::uint32_t a, std::uint32_t b) {
                const float x = v[a], y = v[b];
                const bool xn = x != x, yn = y != y;
                if (xn != yn) return yn;         // numbers before NaN
                if (!xn && x != y) return x > y;  // larger first
                return a < b;                     // ties (and NaN among NaN): lower index first
            };
            std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), before);
            for (std::size_t j = 0; j < k; ++j) {
                indices_out[r * k + j] = idx[j];
                if (values_out != nullptr) values_out[r * k + j] = v[idx[j]];
            }
        }
    });
}

}  // namespace trtcore::image
