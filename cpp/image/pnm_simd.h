// The P5/P6 reader's sample loops (pnm.cpp): big-endian 16-bit samples to host order, and the check against
// maxval, in the CPU kernel variant cpu_kernels() picks (pnm_simd.cpp). Internal to the image layer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "image/cpu_kernels.h"

namespace trtcore::image::detail {

// Converts `count` big-endian samples at `data` to host order in place; returns the index of the first sample
// above maxval, or count. (Samples after a bad one may be left unconverted.)
std::size_t samples16_from_big_endian(CpuKernels k, std::uint8_t* data, std::size_t count, std::uint16_t maxval);
// The index of the first of `count` 8-bit samples above maxval, or count.
std::size_t first_above(CpuKernels k, const std::uint8_t* data, std::size_t count, std::uint8_t maxval);

}  // namespace trtcore::image::detail
