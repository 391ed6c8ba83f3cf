// What each image op requires of the arrays it is handed from outside (the bindings read numpy arrays into
// ArrayViews, common/array.h), checked before any memory is read: a wrong pointer or extent would crash the
// interpreter. Each *_shape function throws DTypeError / ShapeError / ArgumentError naming the argument, and returns
// the shape of the op's result; the ops over ArrayViews (below) check the same and write a result of that shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/array.h"
#include "image/pnm.h"
#include "image/postprocess.h"

namespace trtcore::image {

// normalize: `src` uint8/uint16 NHWC with one mean and one std per channel; the result is NCHW.
Shape normalize_shape(const ArrayView& src, std::size_t means, std::size_t stds);
// argmax: float32/float16 logits [N, C, H, W]; the result is [N, H, W].
Shape argmax_shape(const ArrayView& logits);
// softmax, topk: float32/float16 scores [rows, classes]; returns [rows, classes].
Shape scores_shape(const ArrayView& scores);
// colorize: int64/int32/uint8 labels of any shape; the result is that shape + (3,).
Shape colorize_shape(const ArrayView& labels);
// write_pnm: a uint8/uint16 HWC image, as the PNM writer reads it (with `maxval`).
ImageView pnm_image(const ArrayView& image, std::uint32_t maxval);
// overlay: a uint8/uint16 [H, W, 3] image and uint8 colours of its shape; the result is that shape.
Shape overlay_shape(const ArrayView& image, const ArrayView& colored);
// Palette: uint8 colours (num_classes, 3).
std::vector<Color> palette_colors(const ArrayView& colors);
// labels_from_output: a model output of a type trtcore knows (FormatError naming `what` otherwise), C-contiguous,
// whose shape label_source accepts; the result is [H, W].
Shape labels_shape(const ArrayView& output, const std::string& what, std::size_t height, std::size_t width);

void normalize(const ArrayView& src, const std::vector<float>& mean, const std::vector<float>& std, float maxval,
               void* out, DataType out_type);
void argmax(const ArrayView& logits, void* out, DataType out_type);
void softmax(const ArrayView& scores, float* out);
void topk(const ArrayView& scores, std::size_t k, std::int64_t* indices, float* values);
void colorize(const ArrayView& labels, const Palette& palette, std::uint8_t* out);
void overlay(const ArrayView& image, const ArrayView& colored, double alpha, std::uint8_t* out);
void labels_from_output(const ArrayView& output, const std::string& what, std::size_t height, std::size_t width,
                        std::int64_t* labels);

}  // namespace trtcore::image
