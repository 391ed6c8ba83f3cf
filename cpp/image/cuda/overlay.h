// GPU overlay: class ids coloured through the palette and blended over the picture in one pass, queued on a
// caller's stream. The same float32 arithmetic as cpp/image/overlay.h's CPU kernel (which blends a colorize
// result), so the two agree to the bit; ids outside the palette are handled as colorize's (cpp/image/cuda/
// colorize.h): black there, and the first such pixel recorded in `check` for the caller to raise after syncing.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "common/tensor.h"
#include "image/cuda/colorize.h"

namespace trtcore::image::gpu {

// image: `pixels` x 3 samples (kUInt8/kUInt16) in device memory or pinned host memory; labels: `pixels` ids
// (kInt64, kInt32, kUInt8) in device memory; out: pixels x 3 uint8 in device memory or pinned host memory.
// Throws what image::check_overlay, image::check_colorize and image::overlay_weights throw.
void overlay(const void* image, DataType image_type, const void* labels, DataType label_type, std::size_t pixels,
             const DevicePalette& palette, double alpha, std::uint8_t* out, IdCheck& check, cudaStream_t stream);

}  // namespace trtcore::image::gpu
