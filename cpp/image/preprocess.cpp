#include "image/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/parallel.h"
#include "image/cpu_kernels.h"
#include "image/preprocess_simd.h"

namespace trtcore::image {

namespace {

// The guide's expression, operation for operation; keeping it in one place keeps every path bit-identical.
inline float formula(float value, float maxval, float mean, float std) { return (value / maxval - mean) / std; }

// One row of one image: de-interleave `channels` planes, mapping each sample through value_of(c, sample).
// KC > 0 fixes the channel count at compile time (the common RGB case vectorises and unrolls better).
template <std::size_t KC, typename S, typename D, typename F>
void run_c(const S* src, D* dst, std::size_t batch, std::size_t height, std::size_t width, std::size_t channels_rt,
           const F& value_of) {
    const std::size_t channels = KC ? KC : channels_rt;
    const std::size_t rows = batch * height;
    const std::size_t plane = height * width;
    // ~16k pixels per chunk: large enough that starting a thread is noise next to the work.
    const std::size_t grain = std::max<std::size_t>(1, 16384 / width);
    parallel_for(rows, grain, [&](std::size_t begin, std::size_t end) {
        for (std::size_t r = begin; r < end; ++r) {
            const std::size_t n = r / height, y = r % height;
            const S* in = src + r * width * channels;
            for (std::size_t c = 0; c < channels; ++c) {
                D* out = dst + (n * channels + c) * plane + y * width;
                for (std::size_t x = 0; x < width; ++x) out[x] = value_of(c, in[x * channels + c]);
            }
        }
    });
}

template <typename S, typename D, typename F>
void run(const S* src, D* dst, std::size_t batch, std::size_t height, std::size_t width, std::size_t channels,
         const F& value_of) {
    if (channels == 3) run_c<3>(src, dst, batch, height, width, channels, value_of);
    else if (channels == 1) run_c<1>(src, dst, batch, height, width, channels, value_of);
    else run_c<0>(src, dst, batch, height, width, channels, value_of);
}

// Tables: for uint8 every possible sample of every channel is computed once (256 x C), turning the per-pixel
// work into one load per sample. uint16 images use a 65536 x C table when they are large enough to repay it.
template <typename S, typename D>
void run_typed(const S* src, D* dst, std::size_t batch, std::size_t height, std::size_t width, std::size_t channels,
               float maxval, const float* mean, const float* std, bool half) {
    constexpr std::size_t kValues = std::size_t{1} << (8 * sizeof(S));
    const std::size_t samples = batch * height * width * channels;
    const bool table = sizeof(S) == 1 || samples >= 8 * kValues * channels;
    auto convert = [half](float v) -> D {
        if constexpr (sizeof(D) == 2) {
            return half ? float_to_half(v) : D{};
        } else {
            (void)half;  // clang: unused in this instantiation
            return v;
        }
    };
    if (table) {
        std::vector<D> lut(kValues * channels);
        for (std::size_t c = 0; c < channels; ++c)
            for (std::size_t v = 0; v < kValues; ++v)
                lut[c * kValues + v] = convert(formula(static_cast<float>(v), maxval, mean[c], std[c]));
        const D* t = lut.data();
        run(src, dst, batch, height, width, channels,
            [t](std::size_t c, S s) { return t[c * kValues + s]; });
    } else {
        run(src, dst, batch, height, width, channels, [&](std::size_t c, S s) {
            return convert(formula(static_cast<float>(s), maxval, mean[c], std[c]));
        });
    }
}

}  // namespace

void check_normalize(const void* src, DataType src_type, std::size_t batch, std::size_t height, std::size_t width,
                     std::size_t channels, float maxval, const float* mean, const float* std, const void* dst,
                     DataType dst_type) {
    if (src == nullptr || dst == nullptr) throw ArgumentError("normalize: image or output pointer is null");
    if (mean == nullptr || std == nullptr) throw ArgumentError("normalize: mean or std pointer is null");
    if (batch == 0 || height == 0 || width == 0 || channels == 0)
        throw ShapeError("normalize: batch, height, width and channels must be at least 1, got " +
                         std::to_string(batch) + " x " + std::to_string(height) + " x " + std::to_string(width) +
                         " x " + std::to_string(channels));
    checked_mul(checked_mul(checked_mul(batch, height, "normalize"), width, "normalize"), channels, "normalize");
    if (src_type != DataType::kUInt8 && src_type != DataType::kUInt16)
        throw DTypeError(std::string("normalize: image samples must be uint8 or uint16, got ") + dtype_name(src_type));
    if (dst_type != DataType::kFloat32 && dst_type != DataType::kFloat16)
        throw DTypeError(std::string("normalize: output must be float32 or float16, got ") + dtype_name(dst_type));
    if (!(maxval > 0.0f) || !std::isfinite(maxval))
        throw ArgumentError("normalize: maxval must be positive and finite, got " + std::to_string(maxval));
    for (std::size_t c = 0; c < channels; ++c)
        if (std[c] == 0.0f)
            throw ArgumentError("normalize: std[" + std::to_string(c) + "] is 0 (division by zero)");

}

void normalize(const void* src, DataType src_type, std::size_t batch, std::size_t height, std::size_t width,
               std::size_t channels, float maxval, const float* mean, const float* std, void* dst,
               DataType dst_type) {
    check_normalize(src, src_type, batch, height, width, channels, maxval, mean, std, dst, dst_type);
    const bool half = dst_type == DataType::kFloat16;
    const detail::NormalizeJob job{src, src_type == DataType::kUInt16, half, height, width, channels, maxval,
                                   mean, std, dst};
    const CpuKernels variant = cpu_kernels();
    if (variant != CpuKernels::kScalar)
        if (const detail::NormalizeRows rows = detail::normalize_rows(variant, job)) {
            // ~16k pixels per chunk, as the table kernel.
            parallel_for(batch * height, std::max<std::size_t>(1, 16384 / width),
                         [&](std::size_t begin, std::size_t end) { rows(job, begin, end); });
            return;
        }
    if (src_type == DataType::kUInt8) {
        if (half)
            run_typed(static_cast<const std::uint8_t*>(src), static_cast<std::uint16_t*>(dst), batch, height, width,
                      channels, maxval, mean, std, true);
        else
            run_typed(static_cast<const std::uint8_t*>(src), static_cast<float*>(dst), batch, height, width,
                      channels, maxval, mean, std, false);
    } else {
        if (half)
            run_typed(static_cast<const std::uint16_t*>(src), static_cast<std::uint16_t*>(dst), batch, height,
                      width, channels, maxval, mean, std, true);
        else
            run_typed(static_cast<const std::uint16_t*>(src), static_cast<float*>(dst), batch, height, width,
                      channels, maxval, mean, std, false);
    }
}

void normalize(const Image& image, const float* mean, const float* std, float* dst) {
    normalize(image.pixels.data(), image.type, 1, image.height, image.width, image.channels,
              static_cast<float>(image.maxval), mean, std, dst, DataType::kFloat32);
}

std::vector<float> normalize(const Image& image, const std::vector<float>& mean, const std::vector<float>& std) {
    if (mean.size() != image.channels || std.size() != image.channels)
        throw ArgumentError("normalize: mean and std need one value per channel (" + std::to_string(image.channels) +
                            "), got " + std::to_string(mean.size()) + " and " + std::to_string(std.size()));
    std::vector<float> out(image.sample_count());
    normalize(image, mean.data(), std.data(), out.data());
    return out;
}

}  // namespace trtcore::image
