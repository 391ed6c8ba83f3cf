// Overlay blend: a colour label image over a picture, as the Python pipelines have always computed it
// (pipelines/image_prep.py overlay, numpy in float32):
//     out = uint8(clip((1 - alpha) * image + alpha * colored + 0.5, 0, 255))
// with (1 - alpha) and alpha rounded to float32 once (numpy's rule for a Python float times a float32 array),
// each product, both sums and the truncation in float32 in that order (no contraction): bit-exact with numpy.
// The GPU twin (cpp/image/cuda/overlay.h) colours the labels and blends in one pass with the same arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/tensor.h"

namespace trtcore::image {

// The blend weights as numpy rounds them: (float)(1 - alpha) and (float)alpha.
struct OverlayWeights {
    float image = 0.5f, labels = 0.5f;
};
// ArgumentError unless 0 <= alpha <= 1.
OverlayWeights overlay_weights(double alpha);

// One output sample (shared with the GPU kernel's arithmetic, written out there with __f*_rn intrinsics).
inline std::uint8_t overlay_sample(float image, float colored, const OverlayWeights& w) {
    float v = w.image * image + w.labels * colored + 0.5f;  // built with -ffp-contract=off: two roundings each
    v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
    return static_cast<std::uint8_t>(v);
}

// What both kernels require: image (kUInt8 or kUInt16 samples) and colored hold `pixels` x 3 samples. Throws
// ArgumentError for null pointers, DTypeError for another image type.
void check_overlay(const void* image, DataType image_type, const std::uint8_t* colored, std::size_t pixels,
                   const std::uint8_t* out);

// image: pixels x 3 samples of image_type; colored: pixels x 3 uint8 (a colorize result); out: pixels x 3 uint8.
void overlay(const void* image, DataType image_type, const std::uint8_t* colored, std::size_t pixels, double alpha,
             std::uint8_t* out);

}  // namespace trtcore::image
