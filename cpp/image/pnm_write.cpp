// write_pnm: the writing half of pnm.h, through the one atomic writer (common/atomic_file.h).
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"
#include "image/pnm.h"

namespace trtcore::image {

namespace {

void check_view(const std::string& path, const ImageView& v) {
    const std::string what = "write_pnm(" + path + ")";
    if (v.data == nullptr) throw ArgumentError(what + ": image data is null");
    if (v.width == 0 || v.height == 0)
        throw ShapeError(what + ": width and height must be at least 1, got " + std::to_string(v.width) + " x " +
                         std::to_string(v.height));
    if (v.channels != 1 && v.channels != 3)
        throw ShapeError(what + ": images have 1 (PGM) or 3 (PPM) channels, got " + std::to_string(v.channels));
    if (v.type != DataType::kUInt8 && v.type != DataType::kUInt16)
        throw DTypeError(what + ": samples must be uint8 or uint16, got " + dtype_name(v.type));
    if (v.maxval == 0 || v.maxval > 65535)
        throw ArgumentError(what + ": maxval must be 1..65535, got " + std::to_string(v.maxval));
    if (v.type == DataType::kUInt8 && v.maxval > 255)
        throw ArgumentError(what + ": maxval " + std::to_string(v.maxval) + " needs uint16 samples, got uint8");
}

}  // namespace

void write_pnm(const std::string& path, const ImageView& v) {
    check_view(path, v);
    const std::size_t count =
        checked_mul(checked_mul(v.width, v.height, "write_pnm"), v.channels, "write_pnm(" + path + ")");
    // A sample above maxval makes a file no reader accepts: refuse before creating anything.
    if (v.type == DataType::kUInt16 || v.maxval < 255) {
        for (std::size_t i = 0; i < count; ++i) {
            const std::uint32_t s = v.type == DataType::kUInt16 ? static_cast<const std::uint16_t*>(v.data)[i]
                                                                : static_cast<const std::uint8_t*>(v.data)[i];
            if (s > v.maxval) {
                const std::size_t px = i / v.channels;
                throw ArgumentError("write_pnm(" + path + "): sample value " + std::to_string(s) + " at row " +
                                    std::to_string(px / v.width) + ", column " + std::to_string(px % v.width) +
                                    " exceeds maxval " + std::to_string(v.maxval));
            }
        }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw FileError(path + ": is a directory; give a file name to write the image to");

    AtomicFile tmp(path);
    const std::string header = pnm_header(v);
    tmp.write(header.data(), header.size());
    if (v.type == DataType::kUInt8) {
        tmp.write(v.data, count);
    } else {
        // Netpbm stores samples big-endian, 2 bytes when maxval > 255 and 1 byte otherwise; convert in chunks so
        // a large image needs no second full-size buffer.
        const std::uint16_t* src = static_cast<const std::uint16_t*>(v.data);
        const bool wide = v.maxval > 255;
        std::vector<std::uint8_t> chunk(1 << 16);
        const std::size_t per = wide ? chunk.size() / 2 : chunk.size();
        for (std::size_t i = 0; i < count; i += per) {
            const std::size_t n = std::min(per, count - i);
            for (std::size_t k = 0; k < n; ++k) {
                const std::uint16_t s = src[i + k];
                if (wide) {
                    chunk[2 * k] = static_cast<std::uint8_t>(s >> 8);
                    chunk[2 * k + 1] = static_cast<std::uint8_t>(s & 0xFF);
                } else {
                    chunk[k] = static_cast<std::uint8_t>(s);
                }
            }
            tmp.write(chunk.data(), wide ? 2 * n : n);
        }
    }
    tmp.commit();
}

}  // namespace trtcore::image
