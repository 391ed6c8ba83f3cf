// write_pnm: the writing half of pnm.h, through a temporary file renamed into place.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "image/pnm.h"

namespace trtcore::image {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// The process umask, read without changing it (umask() itself would race with other threads creating files).
mode_t current_umask() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
    return 022;
}

// A temporary file next to the target; removed on destruction unless commit() renamed it into place.
class TempFile {
public:
    explicit TempFile(const std::string& target) : target_(target) {
        std::vector<char> name(target.begin(), target.end());
        const char suffix[] = ".tmp-XXXXXX";
        name.insert(name.end(), suffix, suffix + sizeof suffix);  // includes the terminating NUL
        fd_ = ::mkstemp(name.data());
        if (fd_ < 0) throw FileError(target + ": cannot write (creating a temporary file there failed: " +
                                     errno_text(errno) + ")");
        path_ = name.data();
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    void write(const void* data, std::size_t n) {
        const char* p = static_cast<const char*>(data);
        while (n > 0) {
            const ssize_t w = ::write(fd_, p, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                throw FileError(target_ + ": write failed: " + errno_text(errno));
            }
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    }
    void commit() {
        // mkstemp makes the file 0600; give it the mode a plain open() would have.
        if (::fchmod(fd_, 0666 & ~current_umask()) != 0)
            throw FileError(target_ + ": cannot set permissions: " + errno_text(errno));
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) throw FileError(target_ + ": write failed on close: " + errno_text(errno));
        if (::rename(path_.c_str(), target_.c_str()) != 0)
            throw FileError(target_ + ": cannot write (renaming the temporary file failed: " + errno_text(errno) + ")");
        committed_ = true;
    }

private:
    std::string target_, path_;
    int fd_ = -1;
    bool committed_ = false;
};

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

    TempFile tmp(path);
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
