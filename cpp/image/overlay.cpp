#include "image/overlay.h"

#include <string>

#include "common/error.h"
#include "common/parallel.h"
#include "image/types.h"

namespace trtcore::image {

OverlayWeights overlay_weights(double alpha) {
    if (!(alpha >= 0.0 && alpha <= 1.0))
        throw ArgumentError("overlay alpha must be in [0, 1], got " + std::to_string(alpha));
    return OverlayWeights{static_cast<float>(1.0 - alpha), static_cast<float>(alpha)};
}

void check_overlay(const void* image, DataType image_type, const std::uint8_t* colored, std::size_t pixels,
                   const std::uint8_t* out) {
    if (image == nullptr || colored == nullptr || out == nullptr)
        throw ArgumentError("overlay: image, colours or output pointer is null");
    if (image_type != DataType::kUInt8 && image_type != DataType::kUInt16)
        throw DTypeError(std::string("overlay: the image must be uint8 or uint16, got ") + dtype_name(image_type));
    checked_mul(pixels, 3 * element_size(image_type), "overlay");
}

void overlay(const void* image, DataType image_type, const std::uint8_t* colored, std::size_t pixels, double alpha,
             std::uint8_t* out) {
    const OverlayWeights w = overlay_weights(alpha);
    check_overlay(image, image_type, colored, pixels, out);
    const std::size_t samples = pixels * 3;
    parallel_for(samples, 1 << 16, [&](std::size_t begin, std::size_t end) {
        if (image_type == DataType::kUInt8) {
            const auto* in = static_cast<const std::uint8_t*>(image);
            for (std::size_t i = begin; i < end; ++i) out[i] = overlay_sample(in[i], colored[i], w);
        } else {
            const auto* in = static_cast<const std::uint16_t*>(image);
            for (std::size_t i = begin; i < end; ++i) out[i] = overlay_sample(in[i], colored[i], w);
        }
    });
}

}  // namespace trtcore::image
