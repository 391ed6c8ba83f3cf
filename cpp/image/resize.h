// Bilinear resize of 8-bit HWC images, bit-exact with Pillow's Image.resize(size, BILINEAR, box) (what the Python
// pipelines use: pipelines/image_prep.py resize_image), antialiased when downscaling (the filter widens with the
// scale). The plan (which passes, their taps and fixed-point weights) is computed here on the host exactly as
// Pillow's libImaging/Resample.c does (precompute_coeffs, normalize_coeffs_8bpc, PRECISION_BITS = 22, its pass
// order and skip rules, _imaging.c's crop shortcut, Image.resize's vertical-first rule for very tall images
// since Pillow 12.2 -- the only difference between the Pillow versions trtcore supports (10..12));
// the CPU loop below and the GPU kernels (cpp/image/cuda/resize.h) run the same plan in the same integer
// arithmetic, so all three agree to the bit.
//
// Also the torchvision ImageNet eval transform's geometry (Resize(S) on the shorter side, CenterCrop(C)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtcore::image {

// The source region to resize, in source pixels (Pillow's `box`, float32 as Pillow takes it): 0 <= x0 <= x1 <=
// width, 0 <= y0 <= y1 <= height. Default: the whole image.
struct ResizeBox {
    float x0 = 0, y0 = 0, x1 = -1, y1 = -1;  // x1/y1 < 0: the image's width/height
};

// One pass over one axis: output sample i is clip8((2^21 + sum_k in[first[i] + k] * weight[i * taps + k]) >> 22)
// for k < count[i], where in[] runs along the pass's axis.
struct ResamplePass {
    bool horizontal = true;  // along x (rows stay), else along y (columns stay)
    std::size_t in_height = 0, in_width = 0;    // the pass's input image (channels as the plan's)
    std::size_t out_height = 0, out_width = 0;  // its output
    std::size_t row_offset = 0;                 // horizontal: output row r reads input row row_offset + r
    std::size_t taps = 0;                       // weights per output sample (Pillow's ksize)
    std::vector<std::int32_t> first, count;     // per output sample along the axis
    std::vector<std::int32_t> weights;          // out-along-axis x taps, fixed point (1 << 22 is 1.0)
};

// Source -> result as at most two passes (each reading the previous one's output); no passes: a plain copy.
struct ResizePlan {
    std::size_t height = 0, width = 0, channels = 0;  // the source image
    std::size_t out_height = 0, out_width = 0;
    std::vector<ResamplePass> passes;
    // The largest intermediate image (between two passes), in bytes: what a caller's scratch buffer must hold.
    std::size_t scratch_bytes() const;
};

constexpr int kResizePrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS

// One axis's taps as Pillow's precompute_coeffs + normalize_coeffs_8bpc compute them for the bilinear filter
// (support 1, widened by the scale when downscaling): resampling [in0, in1) of `in_size` samples to `out_size`.
void bilinear_coefficients(std::size_t in_size, float in0, float in1, std::size_t out_size, ResamplePass& pass);

// The plan for resizing a height x width x channels uint8 image to out_height x out_width from `box`.
// tall_vertical_first: Pillow >= 12.2's Image.resize, which resizes an image over 100 times taller than wide
// (and made shorter) vertically first, in two calls; false: older Pillow's single call. Throws ArgumentError /
// ShapeError for empty sizes, a box outside the image or an empty box (Pillow's ValueErrors), and sizes over
// 2^31 - 1 (Pillow's int).
ResizePlan plan_resize(std::size_t height, std::size_t width, std::size_t channels, std::size_t out_height,
                       std::size_t out_width, const ResizeBox& box = {}, bool tall_vertical_first = true);

// `plan` cut to the window [top, top + height) x [left, left + width) of its output: only those output samples
// are computed (the passes' taps for the other rows and columns are dropped), and they equal the full resize's
// cropped, bit for bit. ArgumentError unless the window is non-empty and inside the output.
ResizePlan crop_resize_plan(ResizePlan plan, std::size_t top, std::size_t left, std::size_t height,
                            std::size_t width);

// Runs `plan` on the CPU: src is height x width x channels uint8, dst out_height x out_width x channels uint8
// (C-contiguous, not overlapping src). Throws ArgumentError for null pointers.
void resize(const std::uint8_t* src, const ResizePlan& plan, std::uint8_t* dst);

// One pass on the CPU, rows [row_begin, row_end) of its output (the GPU kernels compute the same sums).
void resample_pass(const std::uint8_t* src, const ResamplePass& pass, std::size_t channels, std::uint8_t* dst,
                   std::size_t row_begin, std::size_t row_end);

// torchvision's ImageNet eval transform geometry for a height x width image: Resize(resize_size) (the shorter side
// becomes resize_size, the longer int(resize_size * long / short), torchvision's _compute_resized_output_size),
// then CenterCrop(crop_size) on the resized image (top = int(round((h - c) / 2.0)) with Python's round-half-even;
// a crop larger than the image pads it with zeros: negative top/left, as torchvision's center_crop pads).
struct EvalTransformPlan {
    std::size_t resize_height = 0, resize_width = 0;
    std::ptrdiff_t crop_top = 0, crop_left = 0;  // in the resized image; negative: that many rows/columns of padding
    std::size_t crop_height = 0, crop_width = 0;
};
// ArgumentError for a zero size.
EvalTransformPlan eval_transform_plan(std::size_t height, std::size_t width, std::size_t resize_size,
                                      std::size_t crop_size);

// The resize plan of that transform for a height x width x channels uint8 image: Pillow's resize to the resized
// size, cut to the crop (torchvision on a PIL image computes exactly this). Where the crop reaches past the
// resized image (crop_top/left < 0, or the far side) only the part inside is planned: the result is then smaller
// than crop_size and belongs at (max(0, -crop_top), max(0, -crop_left)) of a zero crop (what the GPU normalize's
// Placement does).
ResizePlan eval_resize_plan(std::size_t height, std::size_t width, std::size_t channels,
                            const EvalTransformPlan& eval, bool tall_vertical_first = true);

}  // namespace trtcore::image
