#include "image/resize.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/parallel.h"
#include "image/types.h"

namespace trtcore::image {

namespace {

// Pillow's bilinear_filter.
double bilinear(double x) {
    if (x < 0.0) x = -x;
    if (x < 1.0) return 1.0 - x;
    return 0.0;
}

std::string size_text(std::size_t h, std::size_t w) { return std::to_string(h) + "x" + std::to_string(w); }

// A crop as a pass: one tap of weight 1.0 per output sample, which the pass's rounding returns unchanged.
ResamplePass crop_pass(std::size_t in_h, std::size_t in_w, std::size_t top, std::size_t left, std::size_t out_h,
                       std::size_t out_w) {
    ResamplePass p;
    p.horizontal = true;
    p.in_height = in_h;
    p.in_width = in_w;
    p.out_height = out_h;
    p.out_width = out_w;
    p.row_offset = top;
    p.taps = 1;
    p.first.resize(out_w);
    p.count.assign(out_w, 1);
    p.weights.assign(out_w, 1 << kResizePrecisionBits);
    for (std::size_t i = 0; i < out_w; ++i) p.first[i] = static_cast<std::int32_t>(left + i);
    return p;
}

// _imaging.c's _resize then ImagingResample/ImagingResampleInner for one call of the C resize, appending its passes.
void resize_call(std::size_t in_h, std::size_t in_w, std::size_t ysize, std::size_t xsize, const float box[4],
                 std::vector<ResamplePass>& passes) {
    const float xs = static_cast<float>(xsize), ys = static_cast<float>(ysize);
    if (box[0] < 0 || box[1] < 0) throw ArgumentError("resize: the box offset can't be negative");
    if (box[2] > static_cast<float>(in_w) || box[3] > static_cast<float>(in_h))
        throw ArgumentError("resize: the box can't exceed the " + size_text(in_h, in_w) + " image");
    if (box[2] - box[0] < 0 || box[3] - box[1] < 0) throw ArgumentError("resize: the box can't be empty");
    // Integer offsets and the box as large as the result: Pillow crops.
    if (box[0] - static_cast<float>(static_cast<int>(box[0])) == 0 && box[2] - box[0] == xs &&
        box[1] - static_cast<float>(static_cast<int>(box[1])) == 0 && box[3] - box[1] == ys) {
        passes.push_back(crop_pass(in_h, in_w, static_cast<std::size_t>(box[1]), static_cast<std::size_t>(box[0]),
                                   ysize, xsize));
        return;
    }
    const bool need_horizontal = xsize != in_w || box[0] != 0 || box[2] != xs;
    const bool need_vertical = ysize != in_h || box[1] != 0 || box[3] != ys;
    ResamplePass vertical;
    bilinear_coefficients(in_h, box[1], box[3], ysize, vertical);
    const std::int32_t ybox_first = vertical.first[0];
    const std::int32_t ybox_last = vertical.first[ysize - 1] + vertical.count[ysize - 1];
    std::size_t rows = in_h, cols = in_w;
    if (need_horizontal) {
        ResamplePass horizontal;
        bilinear_coefficients(in_w, box[0], box[2], xsize, horizontal);
        horizontal.horizontal = true;
        horizontal.in_height = in_h;
        horizontal.in_width = in_w;
        horizontal.out_height = static_cast<std::size_t>(ybox_last - ybox_first);
        horizontal.out_width = xsize;
        horizontal.row_offset = static_cast<std::size_t>(ybox_first);
        for (auto& f : vertical.first) f -= ybox_first;
        rows = horizontal.out_height;
        cols = xsize;
        passes.push_back(std::move(horizontal));
    }
    if (need_vertical) {
        vertical.horizontal = false;
        vertical.in_height = rows;
        vertical.in_width = cols;
        vertical.out_height = ysize;
        vertical.out_width = cols;
        passes.push_back(std::move(vertical));
    }
}

}  // namespace

std::size_t ResizePlan::scratch_bytes() const {
    std::size_t most = 0;
    for (std::size_t i = 0; i + 1 < passes.size(); ++i)
        most = std::max(most, passes[i].out_height * passes[i].out_width * channels);
    return most;
}

void bilinear_coefficients(std::size_t in_size, float in0, float in1, std::size_t out_size, ResamplePass& pass) {
    // precompute_coeffs, in its own order of double operations (the layer builds without FP contraction).
    double scale = static_cast<double>(in1 - in0) / static_cast<double>(out_size);
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = 1.0 * filterscale;
    const int ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    if (out_size > static_cast<std::size_t>(INT_MAX) / (static_cast<std::size_t>(ksize) * sizeof(double)))
        throw ArgumentError("resize: " + std::to_string(out_size) + " output samples with " + std::to_string(ksize) +
                            " taps each are more than Pillow's resize takes");
    const auto taps = static_cast<std::size_t>(ksize);
    pass.taps = taps;
    pass.first.assign(out_size, 0);
    pass.count.assign(out_size, 0);
    pass.weights.assign(out_size * taps, 0);
    std::vector<double> k(taps);
    const double inv_filterscale = 1.0 / filterscale;
    const int in_limit = static_cast<int>(in_size);
    for (std::size_t xx = 0; xx < out_size; ++xx) {
        const double center = static_cast<double>(in0) + (static_cast<double>(xx) + 0.5) * scale;
        double ww = 0.0;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > in_limit) xmax = in_limit;
        xmax -= xmin;
        std::fill(k.begin(), k.end(), 0.0);
        for (int x = 0; x < xmax; ++x) {
            const double w = bilinear((static_cast<double>(x + xmin) - center + 0.5) * inv_filterscale);
            k[static_cast<std::size_t>(x)] = w;
            ww += w;
        }
        if (ww != 0.0)
            for (int x = 0; x < xmax; ++x) k[static_cast<std::size_t>(x)] /= ww;
        // normalize_coeffs_8bpc
        std::int32_t* out = pass.weights.data() + xx * taps;
        for (std::size_t x = 0; x < taps; ++x) {
            const double scaled = k[x] * static_cast<double>(1 << kResizePrecisionBits);
            out[x] = k[x] < 0 ? static_cast<std::int32_t>(-0.5 + scaled) : static_cast<std::int32_t>(0.5 + scaled);
        }
        pass.first[xx] = xmin;
        pass.count[xx] = xmax;
    }
}

ResizePlan plan_resize(std::size_t height, std::size_t width, std::size_t channels, std::size_t out_height,
                       std::size_t out_width, const ResizeBox& box, bool tall_vertical_first) {
    if (height == 0 || width == 0 || channels == 0)
        throw ShapeError("resize: the image must be at least 1x1 with 1 channel, got " + size_text(height, width) +
                         "x" + std::to_string(channels));
    if (out_height == 0 || out_width == 0)
        throw ArgumentError("resize: the output size must be at least 1x1, got " + size_text(out_height, out_width));
    constexpr auto kIntMax = static_cast<std::size_t>(INT_MAX);
    if (height > kIntMax || width > kIntMax || out_height > kIntMax || out_width > kIntMax)
        throw ArgumentError("resize: sizes must be below 2^31 (Pillow's limit)");
    checked_mul(checked_mul(height, width, "resize"), channels, "resize");
    checked_mul(checked_mul(out_height, out_width, "resize"), channels, "resize");
    ResizePlan plan;
    plan.height = height;
    plan.width = width;
    plan.channels = channels;
    plan.out_height = out_height;
    plan.out_width = out_width;
    const float b[4] = {box.x0, box.y0, box.x1 < 0 ? static_cast<float>(width) : box.x1,
                        box.y1 < 0 ? static_cast<float>(height) : box.y1};
    if (!(std::isfinite(b[0]) && std::isfinite(b[1]) && std::isfinite(b[2]) && std::isfinite(b[3])))
        throw ArgumentError("resize: the box must be finite");
    // Image.resize: the same size from the whole image is a copy.
    if (out_height == height && out_width == width && b[0] == 0 && b[1] == 0 &&
        b[2] == static_cast<float>(width) && b[3] == static_cast<float>(height))
        return plan;
    if (tall_vertical_first && height > width * 100 && out_height < height) {
        // Image.resize resizes very tall images vertically first (two calls of the C resize).
        const float first[4] = {0, b[1], static_cast<float>(width), b[3]};
        resize_call(height, width, out_height, width, first, plan.passes);
        const float second[4] = {b[0], 0, b[2], static_cast<float>(out_height)};
        resize_call(out_height, width, out_height, out_width, second, plan.passes);
    } else {
        resize_call(height, width, out_height, out_width, b, plan.passes);
    }
    return plan;
}

namespace {

// Keeps output samples [begin, begin + n) along the pass's axis.
void keep_samples(ResamplePass& p, std::size_t begin, std::size_t n) {
    const auto b = static_cast<std::ptrdiff_t>(begin), e = static_cast<std::ptrdiff_t>(begin + n);
    p.first = std::vector<std::int32_t>(p.first.begin() + b, p.first.begin() + e);
    p.count = std::vector<std::int32_t>(p.count.begin() + b, p.count.begin() + e);
    const auto t = static_cast<std::ptrdiff_t>(p.taps);
    p.weights = std::vector<std::int32_t>(p.weights.begin() + b * t, p.weights.begin() + e * t);
}

}  // namespace

ResizePlan crop_resize_plan(ResizePlan plan, std::size_t top, std::size_t left, std::size_t height,
                            std::size_t width) {
    if (height == 0 || width == 0 || top + height > plan.out_height || left + width > plan.out_width)
        throw ArgumentError("resize: the crop " + size_text(height, width) + " at (" + std::to_string(top) + ", " +
                            std::to_string(left) + ") is empty or outside the " +
                            size_text(plan.out_height, plan.out_width) + " result");
    auto& passes = plan.passes;
    if (passes.empty()) {
        passes.push_back(crop_pass(plan.height, plan.width, top, left, height, width));
        plan.out_height = height;
        plan.out_width = width;
        return plan;
    }
    std::ptrdiff_t last_v = -1, last_h = -1;
    for (std::size_t i = 0; i < passes.size(); ++i)
        (passes[i].horizontal ? last_h : last_v) = static_cast<std::ptrdiff_t>(i);
    if (last_h < 0) {  // columns are cut by a one-tap pass after the vertical one
        passes.push_back(crop_pass(plan.out_height, plan.out_width, 0, 0, plan.out_height, plan.out_width));
        last_h = static_cast<std::ptrdiff_t>(passes.size()) - 1;
    }
    if (last_v >= 0) keep_samples(passes[static_cast<std::size_t>(last_v)], top, height);
    else passes[0].row_offset += top;  // only horizontal passes: rows map one to one from the source
    keep_samples(passes[static_cast<std::size_t>(last_h)], left, width);
    std::size_t rows = plan.height, cols = plan.width;
    for (std::size_t i = 0; i < passes.size(); ++i) {
        ResamplePass& p = passes[i];
        p.in_height = rows;
        p.in_width = cols;
        if (p.horizontal) {
            p.out_width = p.first.size();
            // before the last vertical pass: the rows it reads; else the rows go through one to one
            if (static_cast<std::ptrdiff_t>(i) > last_v) p.out_height = last_v < 0 && i == 0 ? height : rows;
        } else {
            p.out_height = p.first.size();
            p.out_width = cols;
        }
        rows = p.out_height;
        cols = p.out_width;
    }
    plan.out_height = height;
    plan.out_width = width;
    return plan;
}

ResizePlan eval_resize_plan(std::size_t height, std::size_t width, std::size_t channels,
                            const EvalTransformPlan& eval, bool tall_vertical_first) {
    ResizePlan plan = plan_resize(height, width, channels, eval.resize_height, eval.resize_width, {},
                                  tall_vertical_first);
    const auto inside = [](std::ptrdiff_t start, std::size_t size, std::size_t limit) {
        const std::ptrdiff_t end = std::min<std::ptrdiff_t>(start + static_cast<std::ptrdiff_t>(size),
                                                            static_cast<std::ptrdiff_t>(limit));
        const std::ptrdiff_t begin = std::max<std::ptrdiff_t>(start, 0);
        return std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(begin),
                                                   static_cast<std::size_t>(end - begin));
    };
    const auto [top, rows] = inside(eval.crop_top, eval.crop_height, eval.resize_height);
    const auto [left, cols] = inside(eval.crop_left, eval.crop_width, eval.resize_width);
    return crop_resize_plan(std::move(plan), top, left, rows, cols);
}

void resample_pass(const std::uint8_t* src, const ResamplePass& pass, std::size_t channels, std::uint8_t* dst,
                   std::size_t row_begin, std::size_t row_end) {
    constexpr std::int32_t kHalf = 1 << (kResizePrecisionBits - 1);
    const std::size_t in_row = pass.in_width * channels, out_row = pass.out_width * channels;
    for (std::size_t r = row_begin; r < row_end; ++r) {
        std::uint8_t* out = dst + r * out_row;
        if (pass.horizontal) {
            const std::uint8_t* in = src + (pass.row_offset + r) * in_row;
            for (std::size_t xx = 0; xx < pass.out_width; ++xx) {
                const std::int32_t* w = pass.weights.data() + xx * pass.taps;
                const std::uint8_t* s = in + static_cast<std::size_t>(pass.first[xx]) * channels;
                const std::int32_t n = pass.count[xx];
                for (std::size_t c = 0; c < channels; ++c) {
                    std::int32_t ss = kHalf;
                    for (std::int32_t k = 0; k < n; ++k) ss += s[static_cast<std::size_t>(k) * channels + c] * w[k];
                    out[xx * channels + c] = static_cast<std::uint8_t>(std::clamp(ss >> kResizePrecisionBits, 0, 255));
                }
            }
        } else {
            const std::int32_t* w = pass.weights.data() + r * pass.taps;
            const std::uint8_t* in = src + static_cast<std::size_t>(pass.first[r]) * in_row;
            const std::int32_t n = pass.count[r];
            for (std::size_t j = 0; j < out_row; ++j) {
                std::int32_t ss = kHalf;
                for (std::int32_t k = 0; k < n; ++k) ss += in[static_cast<std::size_t>(k) * in_row + j] * w[k];
                out[j] = static_cast<std::uint8_t>(std::clamp(ss >> kResizePrecisionBits, 0, 255));
            }
        }
    }
}

void resize(const std::uint8_t* src, const ResizePlan& plan, std::uint8_t* dst) {
    if (src == nullptr || dst == nullptr) throw ArgumentError("resize: source or output pointer is null");
    if (plan.passes.empty()) {
        std::memcpy(dst, src, plan.height * plan.width * plan.channels);
        return;
    }
    Buffer scratch(plan.scratch_bytes());
    const std::uint8_t* in = src;
    for (std::size_t i = 0; i < plan.passes.size(); ++i) {
        const ResamplePass& pass = plan.passes[i];
        std::uint8_t* out = i + 1 == plan.passes.size() ? dst : scratch.data();
        const std::size_t row_work = std::max<std::size_t>(1, pass.out_width * plan.channels * pass.taps);
        parallel_for(pass.out_height, std::max<std::size_t>(1, 65536 / row_work),
                     [&](std::size_t begin, std::size_t end) {
                         resample_pass(in, pass, plan.channels, out, begin, end);
                     });
        in = out;
    }
}

EvalTransformPlan eval_transform_plan(std::size_t height, std::size_t width, std::size_t resize_size,
                                      std::size_t crop_size) {
    if (height == 0 || width == 0 || resize_size == 0 || crop_size == 0)
        throw ArgumentError("eval transform: image, resize and crop sizes must be positive, got image " +
                            size_text(height, width) + ", resize " + std::to_string(resize_size) + ", crop " +
                            std::to_string(crop_size));
    // torchvision's _compute_resized_output_size with one size: int(size * long / short), Python's true division
    // of exact integers (correctly rounded, as double division of values below 2^53 is).
    const bool portrait = width <= height;
    const std::size_t short_side = portrait ? width : height, long_side = portrait ? height : width;
    const std::size_t product = checked_mul(resize_size, long_side, "eval transform");
    if (product > (std::size_t{1} << 53)) throw ArgumentError("eval transform: sizes too large");
    const auto new_long = static_cast<std::size_t>(static_cast<double>(product) / static_cast<double>(short_side));
    EvalTransformPlan plan;
    plan.resize_width = portrait ? resize_size : new_long;
    plan.resize_height = portrait ? new_long : resize_size;
    plan.crop_height = plan.crop_width = crop_size;
    // center_crop: pad (left/top get the floor half) when the crop is larger, else int(round((size - crop) / 2.0)).
    const auto anchor = [crop_size](std::size_t size) -> std::ptrdiff_t {
        if (crop_size > size) return -static_cast<std::ptrdiff_t>((crop_size - size) / 2);
        const std::size_t d = size - crop_size, q = d / 2;
        return static_cast<std::ptrdiff_t>(d % 2 == 1 && q % 2 == 1 ? q + 1 : q);  // round half to even
    };
    plan.crop_top = anchor(plan.resize_height);
    plan.crop_left = anchor(plan.resize_width);
    return plan;
}

}  // namespace trtcore::image
