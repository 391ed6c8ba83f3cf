// PPM/PGM (Netpbm) reading and writing.
//
// Reads P6 (binary RGB), P3 (plain RGB), P5 (binary grey) and P2 (plain grey): '#' comments and any whitespace in
// the header, maxval 1..65535 (samples wider than 8 bits are big-endian in binary files, as Netpbm specifies).
// Writes P6 (3 channels) / P5 (1 channel), 16-bit big-endian when maxval > 255, with the header written exactly
// like NVIDIA's quick start (`"P6 W H MAX\n"`), through a temporary file in the same folder renamed into place, so
// a failed write never leaves a partial file.
//
// Every problem throws: FormatError (file contents; the message names the file and the problem), FileError (a
// file cannot be opened/read/written), ArgumentError (a bad Image passed to write_pnm). Sizes from a header are
// checked for overflow and against the data actually present before anything is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "image/types.h"

namespace trtcore::image {

// A non-owning view of HWC samples (what write_pnm needs; numpy arrays become one without a copy).
struct ImageView {
    const void* data = nullptr;
    std::size_t width = 0, height = 0, channels = 0;  // channels: 1 or 3
    DataType type = DataType::kUInt8;                 // kUInt8 or kUInt16 (host-endian)
    std::uint32_t maxval = 255;                       // 1..65535; <= 255 for kUInt8
};

// An image read from a file: HWC samples, host-endian, in one owned contiguous block.
struct Image {
    std::size_t width = 0, height = 0, channels = 0;  // channels: 1 (P2/P5) or 3 (P3/P6)
    DataType type = DataType::kUInt8;                 // kUInt8 when maxval <= 255, else kUInt16
    std::uint32_t maxval = 255;
    Buffer pixels;                                    // height * width * channels samples

    std::size_t sample_count() const { return width * height * channels; }
    Shape shape() const {  // HWC
        return {static_cast<int64_t>(height), static_cast<int64_t>(width), static_cast<int64_t>(channels)};
    }
    ImageView view() const { return {pixels.data(), width, height, channels, type, maxval}; }
};

// Parses a whole PNM file held in memory. `name` is used in error messages (a path, or "<bytes>").
Image parse_pnm(const std::uint8_t* data, std::size_t size, const std::string& name = "<bytes>");

// Reads a PNM file. Binary payloads are read straight into the image's buffer (no second copy of the file).
Image read_pnm(const std::string& path);

// Writes P6/P5 (see top of file). Throws ArgumentError for an invalid view, FileError when it cannot be written.
void write_pnm(const std::string& path, const ImageView& image);
inline void write_pnm(const std::string& path, const Image& image) { write_pnm(path, image.view()); }

// The header write_pnm writes, e.g. "P6 1282 1026 255\n".
std::string pnm_header(const ImageView& image);

}  // namespace trtcore::image
