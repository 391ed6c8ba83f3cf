#include "image/arguments.h"

#include "common/error.h"
#include "image/overlay.h"
#include "image/preprocess.h"
#include "image/softmax.h"
#include "image/topk.h"

namespace trtcore::image {

Shape normalize_shape(const ArrayView& src, std::size_t means, std::size_t stds) {
    check_array(src, "img", {DataType::kUInt8, DataType::kUInt16});
    if (src.shape.size() != 4) throw ShapeError("img: must be NHWC (4 dimensions) here");
    const auto c = src.shape[3];
    if (means != static_cast<std::size_t>(c) || stds != static_cast<std::size_t>(c)) {
        throw ArgumentError("normalize: mean and std need one value per channel (" + std::to_string(c) + "), got " +
                            std::to_string(means) + " and " + std::to_string(stds));
    }
    return {src.shape[0], c, src.shape[1], src.shape[2]};
}

Shape argmax_shape(const ArrayView& logits) {
    check_array(logits, "logits", {DataType::kFloat32, DataType::kFloat16});
    if (logits.shape.size() != 4) throw ShapeError("logits: must be [N, C, H, W] here");
    return {logits.shape[0], logits.shape[2], logits.shape[3]};
}

Shape scores_shape(const ArrayView& scores) {
    check_array(scores, "scores", {DataType::kFloat32, DataType::kFloat16});
    if (scores.shape.size() != 2) throw ShapeError("scores: must be [rows, classes] here");
    return scores.shape;
}

Shape colorize_shape(const ArrayView& labels) {
    check_array(labels, "labels", {DataType::kInt64, DataType::kInt32, DataType::kUInt8});
    Shape shape = labels.shape;
    shape.push_back(3);
    return shape;
}

ImageView pnm_image(const ArrayView& image, std::uint32_t maxval) {
    const DataType type = check_array(image, "image", {DataType::kUInt8, DataType::kUInt16});
    if (image.shape.size() != 3) {
        throw ShapeError("image: must be HWC (3 dimensions), got " + std::to_string(image.shape.size()));
    }
    return {image.data, static_cast<std::size_t>(image.shape[1]), static_cast<std::size_t>(image.shape[0]),
            static_cast<std::size_t>(image.shape[2]), type, maxval};
}

Shape overlay_shape(const ArrayView& image, const ArrayView& colored) {
    check_array(image, "image", {DataType::kUInt8, DataType::kUInt16});
    check_array(colored, "colored", {DataType::kUInt8});
    if (image.shape.size() != 3 || image.shape[2] != 3)
        throw ShapeError("overlay: the image must be [H, W, 3], got " + shape_tuple_str(image.shape));
    check_shape(colored, "colored", image.shape);
    return image.shape;
}

std::vector<Color> palette_colors(const ArrayView& colors) {
    check_array(colors, "palette", {DataType::kUInt8});
    if (colors.shape.size() != 2 || colors.shape[1] != 3) throw ShapeError("palette: shape must be (num_classes, 3)");
    std::vector<Color> out(static_cast<std::size_t>(colors.shape[0]));
    const auto* p = static_cast<const std::uint8_t*>(colors.data);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = {p[3 * i], p[3 * i + 1], p[3 * i + 2]};
    return out;
}

Shape labels_shape(const ArrayView& output, const std::string& what, std::size_t height, std::size_t width) {
    if (!output.dtype) {
        throw FormatError(what + " came back as " + output.type +
                          "; expected float32/float16 logits or integer labels");
    }
    const DataType type = check_array(output, what, {*output.dtype});
    const LabelSource src = label_source(type, output.shape, what, height, width);
    return {static_cast<int64_t>(src.height), static_cast<int64_t>(src.width)};
}

namespace {
std::size_t dim(const Shape& shape, std::size_t i) { return static_cast<std::size_t>(shape[i]); }
}  // namespace

void normalize(const ArrayView& src, const std::vector<float>& mean, const std::vector<float>& std, float maxval,
               void* out, DataType out_type) {
    const Shape nchw = normalize_shape(src, mean.size(), std.size());
    normalize(src.data, *src.dtype, dim(nchw, 0), dim(nchw, 2), dim(nchw, 3), dim(nchw, 1), maxval, mean.data(),
              std.data(), out, out_type);
}

void argmax(const ArrayView& logits, void* out, DataType out_type) {
    argmax_shape(logits);
    const Shape& s = logits.shape;
    argmax(logits.data, *logits.dtype, dim(s, 0), dim(s, 1), dim(s, 2), dim(s, 3), out, out_type);
}

void softmax(const ArrayView& scores, float* out) {
    const Shape rc = scores_shape(scores);
    softmax(scores.data, *scores.dtype, dim(rc, 0), dim(rc, 1), out);
}

void topk(const ArrayView& scores, std::size_t k, std::int64_t* indices, float* values) {
    const Shape rc = scores_shape(scores);
    topk(scores.data, *scores.dtype, dim(rc, 0), dim(rc, 1), k, indices, values);
}

void colorize(const ArrayView& labels, const Palette& palette, std::uint8_t* out) {
    colorize_shape(labels);
    colorize(labels.data, *labels.dtype, static_cast<std::size_t>(volume(labels.shape, "labels")), palette, out);
}

void overlay(const ArrayView& image, const ArrayView& colored, double alpha, std::uint8_t* out) {
    const Shape shape = overlay_shape(image, colored);
    overlay(image.data, *image.dtype, static_cast<const std::uint8_t*>(colored.data), dim(shape, 0) * dim(shape, 1),
            alpha, out);
}

void labels_from_output(const ArrayView& output, const std::string& what, std::size_t height, std::size_t width,
                        std::int64_t* labels) {
    labels_shape(output, what, height, width);
    labels_from_output(output.data, *output.dtype, output.shape, labels, what, height, width);
}

}  // namespace trtcore::image
