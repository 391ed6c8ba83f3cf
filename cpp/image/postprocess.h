// Postprocess for segmentation: argmax over the class axis, and class ids -> RGB through a palette.
//
// The palette is the one of NVIDIA's quick start (ArgmaxImageWriter): colour of class i, channel k, is
// (base[k] * i) mod 255 with base = {2^25-1, 2^15-1, 2^21-1}. Unlike the guide (which wraps ids through uint8),
// an id outside the palette is an error naming the id and the pixel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "image/types.h"

namespace trtcore::image {

// logits: n x c x h x w, C-contiguous, kFloat32 or kFloat16 (IEEE half bits). labels_out: n x h x w elements of
// label_type (kInt64, kInt32 or kUInt8; kUInt8 needs c <= 256). Same answer as numpy.argmax(axis=1): the first
// maximum wins ties, and a NaN counts as the maximum (the first NaN wins).
void argmax(const void* logits, DataType logits_type, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
            void* labels_out, DataType label_type);

using Color = std::array<std::uint8_t, 3>;
using Palette = std::vector<Color>;

inline constexpr std::array<std::int64_t, 3> kGuidePaletteBase{(1 << 25) - 1, (1 << 15) - 1, (1 << 21) - 1};
inline constexpr int kGuideNumClasses = 21;

// num_classes colours (1..65536), colour i = (base * i) mod 255 per channel; base values must be >= 0.
Palette guide_palette(int num_classes = kGuideNumClasses, const std::array<std::int64_t, 3>& base = kGuidePaletteBase);

// labels: `count` class ids of label_type (kInt64, kInt32 or kUInt8). rgb_out: 3 * count bytes, RGB interleaved.
// Throws ArgumentError naming the first id outside [0, palette.size()) and its pixel index (rgb_out is then only
// partly written).
void colorize(const void* labels, DataType label_type, std::size_t count, const Palette& palette,
              std::uint8_t* rgb_out);

}  // namespace trtcore::image
