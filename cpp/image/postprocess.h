// Postprocess for segmentation: argmax over the class axis, a segmentation model's output -> labels, and class
// ids -> RGB through a palette. Python's Segmenter and the C++ segmentation_tutorial both call these.
//
// The palette is the one of NVIDIA's quick start (ArgmaxImageWriter): colour of class i, channel k, is
// (base[k] * i) mod 255 with base = {2^25-1, 2^15-1, 2^21-1}. Unlike the guide (which wraps ids through uint8),
// an id outside the palette is an error naming the id and the pixel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "image/types.h"

namespace trtcore::image {

// logits: n x c x h x w, C-contiguous, kFloat32 or kFloat16 (IEEE half bits). labels_out: n x h x w elements of
// label_type (kInt64, kInt32 or kUInt8; kUInt8 needs c <= 256). Same answer as numpy.argmax(axis=1): the first
// maximum wins ties, and a NaN counts as the maximum (the first NaN wins).
void argmax(const void* logits, DataType logits_type, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
            void* labels_out, DataType label_type);

// The checks argmax makes of its arguments (the GPU kernel, cpp/image/cuda/argmax.h, makes the same ones).
void check_argmax(const void* logits, DataType logits_type, std::size_t n, std::size_t c, std::size_t h,
                  std::size_t w, const void* labels_out, DataType label_type);

// A segmentation model's output: logits [1, C, H, W] (float32/float16, C >= 1), or label ids [1, 1, H, W] /
// [1, H, W] of any integer width (int8 .. uint64). What the shape says, checked once.
struct LabelSource {
    bool logits = false;
    std::size_t classes = 0;  // C for logits, 0 for label ids
    std::size_t height = 0, width = 0;
};

// Checks dtype and shape (and, when expected_height/expected_width are non-zero, that the output is per-pixel at
// that size). Throws FormatError starting with `what` (e.g. "model.onnx: output 'out'") that names the problem.
LabelSource label_source(DataType type, const Shape& shape, const std::string& what,
                         std::size_t expected_height = 0, std::size_t expected_width = 0);

// The output as height * width int64 class ids: argmax over C for logits (numpy's tie and NaN rules, see argmax),
// label ids widened. `data` is C-contiguous host memory of `shape`. Throws FormatError (see label_source), and
// FormatError for a uint64 id above int64's range.
void labels_from_output(const void* data, DataType type, const Shape& shape, std::int64_t* labels_out,
                        const std::string& what, std::size_t expected_height = 0, std::size_t expected_width = 0);

using Color = std::array<std::uint8_t, 3>;

// Colours by class id, built once and reused for every image (colorize reads the packed form).
class Palette {
public:
    Palette() = default;
    explicit Palette(std::vector<Color> colors);  // 1..65536 colours, else ArgumentError
    std::size_t size() const { return colors_.size(); }
    bool empty() const { return colors_.empty(); }
    const Color& operator[](std::size_t i) const { return colors_[i]; }
    const std::vector<Color>& colors() const { return colors_; }
    // The colours as size() x 3 bytes, RGB (Python's Palette.colors).
    Buffer rgb() const;
    // Colour i as 4 bytes (R, G, B, 0), so colorize stores one word per pixel.
    const std::uint32_t* packed() const { return packed_.data(); }

private:
    std::vector<Color> colors_;
    std::vector<std::uint32_t> packed_;
};

inline constexpr std::array<std::int64_t, 3> kGuidePaletteBase{(1 << 25) - 1, (1 << 15) - 1, (1 << 21) - 1};
inline constexpr int kGuideNumClasses = 21;

// num_classes colours (1..65536), colour i = (base * i) mod 255 per channel; base values must be >= 0.
Palette guide_palette(std::int64_t num_classes = kGuideNumClasses,
                      const std::array<std::int64_t, 3>& base = kGuidePaletteBase);

// labels: `count` class ids of label_type (kInt64, kInt32 or kUInt8). rgb_out: 3 * count bytes, RGB interleaved.
// Throws ArgumentError naming the first id outside [0, palette.size()) and its pixel index (rgb_out is then only
// partly written).
void colorize(const void* labels, DataType label_type, std::size_t count, const Palette& palette,
              std::uint8_t* rgb_out);

// The checks colorize makes of its arguments, and the error it throws for id `id` at pixel `index` outside a
// palette of `palette_size` colours (shared with the GPU kernel, cpp/image/cuda/colorize.h).
void check_colorize(const void* labels, DataType label_type, std::size_t count, std::size_t palette_size,
                    const void* rgb_out);
[[noreturn]] void id_outside(std::int64_t id, std::size_t index, std::uint64_t palette_size);
// The id at index `j` of `labels` (kInt64, kInt32 or kUInt8), widened.
std::int64_t label_at(const void* labels, DataType type, std::size_t j);

}  // namespace trtcore::image
