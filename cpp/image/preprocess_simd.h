// The AVX2 / AVX-512 variants of normalize (preprocess_simd.cpp), called by preprocess.cpp per range of rows.
// Internal to the image layer.
#pragma once

#include <cstddef>

#include "image/cpu_kernels.h"
#include "image/types.h"

namespace trtcore::image::detail {

struct NormalizeJob {
    const void* src;  // batch x height x width x channels samples, uint8 or uint16
    bool wide;        // uint16 samples
    bool half;        // float16 output (IEEE bits), else float32
    std::size_t height, width, channels;
    float maxval;
    const float* mean;
    const float* std;
    void* dst;  // batch x channels x height x width
};
// Rows [begin, end) of all images (row r: image r / height, line r % height).
using NormalizeRows = void (*)(const NormalizeJob& job, std::size_t begin, std::size_t end);
// The variant's kernel for this job, or nullptr where the scalar table kernel is the faster one (the baseline
// variant: SSE2 division is slower than a table load; channel counts other than 1, 3 and 4).
NormalizeRows normalize_rows(CpuKernels k, const NormalizeJob& job);

}  // namespace trtcore::image::detail
