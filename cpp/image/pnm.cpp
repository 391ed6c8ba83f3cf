#include "image/pnm.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "common/error.h"
#include "image/cpu_kernels.h"
#include "image/pnm_simd.h"

namespace trtcore::image {

namespace {

// ---- byte sources: one parser template serves memory (parse_pnm) and files (read_pnm) ----------------------

class MemorySource {
public:
    MemorySource(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size), begin_(data) {}
    int peek() const { return p_ < end_ ? *p_ : -1; }
    int get() { return p_ < end_ ? *p_++ : -1; }
    std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
    std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
    std::size_t read(void* dst, std::size_t n) {
        n = std::min(n, remaining());
        if (n) std::memcpy(dst, p_, n);
        p_ += n;
        return n;
    }

private:
    const std::uint8_t* p_;
    const std::uint8_t* end_;
    const std::uint8_t* begin_;
};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string errno_text(int err) { return std::strerror(err); }

class FileSource {
public:
    explicit FileSource(const std::string& path) : path_(path) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            throw FileError(path + ": cannot open: " + errno_text(errno));
        if (S_ISDIR(st.st_mode)) throw FileError(path + ": is a directory, not an image file");
        file_.reset(std::fopen(path.c_str(), "rb"));
        if (!file_) throw FileError(path + ": cannot open: " + errno_text(errno));
        // Regular files have a size we can check header promises against before allocating; pipes and devices
        // do not (size stays "unknown" and short reads are caught instead).
        size_ = S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : SIZE_MAX;
    }
    int peek() {
        const int c = getc_unlocked(file_.get());
        if (c != EOF) ungetc(c, file_.get());
        return c == EOF ? (check(), -1) : c;
    }
    int get() {
        const int c = getc_unlocked(file_.get());
        if (c == EOF) {
            check();
            return -1;
        }
        ++pos_;
        return c;
    }
    std::size_t remaining() const { return size_ == SIZE_MAX ? SIZE_MAX : (size_ > pos_ ? size_ - pos_ : 0); }
    std::size_t offset() const { return pos_; }
    std::size_t read(void* dst, std::size_t n) {
        const std::size_t got = std::fread(dst, 1, n, file_.get());
        pos_ += got;
        if (got < n) check();
        return got;
    }

private:
    void check() {
        if (std::ferror(file_.get())) throw FileError(path_ + ": read failed: " + errno_text(errno));
    }
    std::string path_;
    FilePtr file_;
    std::size_t size_ = 0, pos_ = 0;
};

// ---- header ------------------------------------------------------------------------------------------------

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string describe_byte(int c) {
    if (c < 0) return "the end of the data";
    if (c >= 0x21 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
}

std::size_t size_mul(std::size_t a, std::size_t b, const std::string& name) {
    if (a != 0 && b > SIZE_MAX / a)
        throw FormatError(name + ": image size overflows (" + std::to_string(a) + " x " + std::to_string(b) + ")");
    return a * b;
}

struct Header {
    bool plain = false;
    std::size_t channels = 0, width = 0, height = 0;
    std::uint32_t maxval = 0;
};

// Skips whitespace and '#' comments (to end of line). Returns whether anything was skipped.
template <class Src> bool skip_separators(Src& s) {
    bool skipped = false;
    for (int c = s.peek(); c >= 0; c = s.peek()) {
        if (is_space(c)) {
            s.get();
        } else if (c == '#') {
            while (c >= 0 && c != '\n' && c != '\r') c = s.get();
        } else {
            break;
        }
        skipped = true;
    }
    return skipped;
}

template <class Src> std::uint64_t read_header_number(Src& s, const char* what, const std::string& name) {
    if (!skip_separators(s))
        throw FormatError(name + ": bad header: expected whitespace before the " + what + " at byte " +
                          std::to_string(s.offset()) + ", found " + describe_byte(s.peek()));
    int c = s.peek();
    if (c < '0' || c > '9')
        throw FormatError(name + ": bad header: expected the " + std::string(what) + " (a decimal number) at byte " +
                          std::to_string(s.offset()) + ", found " + describe_byte(c));
    std::uint64_t v = 0;
    while ((c = s.peek()) >= '0' && c <= '9') {
        s.get();
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
        if (v > 0xFFFFFFFFull)
            throw FormatError(name + ": bad header: the " + std::string(what) + " is too large (more than 2^32)");
    }
    return v;
}

template <class Src> Header read_header(Src& s, const std::string& name) {
    Header h;
    const int p = s.get(), d = s.get();
    if (p < 0) throw FormatError(name + ": not a PPM/PGM file: it is empty");
    if (p != 'P' || d < '1' || d > '7')
        throw FormatError(name + ": not a PPM/PGM file: it starts with " + describe_byte(p) + " " + describe_byte(d) +
                          ", expected P6, P3, P5 or P2");
    switch (d) {
        case '6': h.channels = 3; break;
        case '3': h.channels = 3; h.plain = true; break;
        case '5': h.channels = 1; break;
        case '2': h.channels = 1; h.plain = true; break;
        default:
            throw FormatError(name + ": P" + std::string(1, static_cast<char>(d)) +
                              " (PBM bitmap or PAM) is not supported; only P6, P3, P5 and P2 are");
    }
    const std::uint64_t w = read_header_number(s, "width", name);
    const std::uint64_t hgt = read_header_number(s, "height", name);
    const std::uint64_t maxval = read_header_number(s, "maxval", name);
    if (w == 0 || hgt == 0)
        throw FormatError(name + ": bad header: width and height must be at least 1, got " + std::to_string(w) +
                          " x " + std::to_string(hgt));
    if (maxval == 0 || maxval > 65535)
        throw FormatError(name + ": bad header: maxval must be 1..65535, got " + std::to_string(maxval));
    // Exactly one whitespace byte ends the header; binary samples start right after it.
    const int sep = s.get();
    if (!is_space(sep))
        throw FormatError(name + ": bad header: expected one whitespace byte after maxval, found " +
                          describe_byte(sep));
    h.width = static_cast<std::size_t>(w);
    h.height = static_cast<std::size_t>(hgt);
    h.maxval = static_cast<std::uint32_t>(maxval);
    return h;
}

// ---- payload -----------------------------------------------------------------------------------------------

[[noreturn]] void sample_too_large(const std::string& name, std::size_t index, std::uint32_t v, const Header& h) {
    const std::size_t pixel = index / h.channels;
    throw FormatError(name + ": sample value " + std::to_string(v) + " at row " + std::to_string(pixel / h.width) +
                      ", column " + std::to_string(pixel % h.width) + " exceeds maxval " + std::to_string(h.maxval));
}

template <class Src> Image read_body(Src& s, const Header& h, const std::string& name) {
    Image img;
    img.width = h.width;
    img.height = h.height;
    img.channels = h.channels;
    img.maxval = h.maxval;
    img.type = h.maxval > 255 ? DataType::kUInt16 : DataType::kUInt8;
    const std::size_t count = size_mul(size_mul(h.width, h.height, name), h.channels, name);
    const std::size_t bps = element_size(img.type);
    const std::size_t bytes = size_mul(count, bps, name);
    const std::string dims = std::to_string(h.width) + " x " + std::to_string(h.height) + " x " +
                             std::to_string(h.channels);

    if (!h.plain) {
        if (s.remaining() < bytes)  // checked before allocating: a lying header cannot make us allocate
            throw FormatError(name + ": truncated: the header promises " + dims + " samples (" +
                              std::to_string(bytes) + " bytes) but only " + std::to_string(s.remaining()) +
                              " bytes follow");
        img.pixels = Buffer(bytes);
        const std::size_t got = s.read(img.pixels.data(), bytes);
        if (got < bytes)
            throw FormatError(name + ": truncated: expected " + std::to_string(bytes) + " bytes of samples, got " +
                              std::to_string(got));
        const CpuKernels variant = cpu_kernels();
        if (variant != CpuKernels::kScalar) {  // the vector loops (pnm_simd.cpp); the scalar ones below
            std::uint8_t* b = img.pixels.data();
            if (bps == 2) {
                const std::size_t bad =
                    detail::samples16_from_big_endian(variant, b, count, static_cast<std::uint16_t>(h.maxval));
                if (bad < count) sample_too_large(name, bad, img.pixels.as<std::uint16_t>()[bad], h);
            } else if (h.maxval < 255) {
                const std::size_t bad = detail::first_above(variant, b, count, static_cast<std::uint8_t>(h.maxval));
                if (bad < count) sample_too_large(name, bad, b[bad], h);
            }
        } else if (bps == 2) {  // big-endian on disk -> host order, and check against maxval
            std::uint16_t* p = img.pixels.as<std::uint16_t>();
            const std::uint8_t* b = img.pixels.data();
            for (std::size_t i = 0; i < count; ++i) {
                const std::uint16_t v = static_cast<std::uint16_t>((b[2 * i] << 8) | b[2 * i + 1]);
                p[i] = v;
            }
            if (h.maxval < 65535)
                for (std::size_t i = 0; i < count; ++i)
                    if (p[i] > h.maxval) sample_too_large(name, i, p[i], h);
        } else if (h.maxval < 255) {
            const std::uint8_t* p = img.pixels.data();
            for (std::size_t i = 0; i < count; ++i)
                if (p[i] > h.maxval) sample_too_large(name, i, p[i], h);
        }
        return img;
    }

    // Plain (ASCII) samples: at least one digit and one separator each, so this many bytes must be there.
    if (count - 1 > s.remaining() / 2)
        throw FormatError(name + ": truncated: the header promises " + dims + " plain-text samples but only " +
                          std::to_string(s.remaining()) + " bytes follow");
    img.pixels = Buffer(bytes);
    std::uint8_t* p8 = img.pixels.data();
    std::uint16_t* p16 = img.pixels.as<std::uint16_t>();
    for (std::size_t i = 0; i < count; ++i) {
        skip_separators(s);
        int c = s.peek();
        if (c < '0' || c > '9') {
            if (c < 0)
                throw FormatError(name + ": truncated: found " + std::to_string(i) + " of " + std::to_string(count) +
                                  " plain-text samples");
            throw FormatError(name + ": bad sample " + std::to_string(i) + " at byte " + std::to_string(s.offset()) +
                              ": expected a decimal number, found " + describe_byte(c));
        }
        std::uint32_t v = 0;
        while ((c = s.peek()) >= '0' && c <= '9') {
            s.get();
            v = v * 10 + static_cast<std::uint32_t>(c - '0');
            if (v > 65535) sample_too_large(name, i, v, h);
        }
        if (v > h.maxval) sample_too_large(name, i, v, h);
        if (bps == 2)
            p16[i] = static_cast<std::uint16_t>(v);
        else
            p8[i] = static_cast<std::uint8_t>(v);
        if (i + 1 < count && !is_space(s.peek()) && s.peek() != '#')
            throw FormatError(name + ": bad sample " + std::to_string(i) + " at byte " + std::to_string(s.offset()) +
                              ": expected whitespace after it, found " + describe_byte(s.peek()));
    }
    return img;
}

}  // namespace

Image parse_pnm(const std::uint8_t* data, std::size_t size, const std::string& name) {
    if (data == nullptr && size != 0) throw ArgumentError("parse_pnm: data is null");
    MemorySource s(data, size);
    const Header h = read_header(s, name);
    return read_body(s, h, name);
}

Image read_pnm(const std::string& path) {
    FileSource s(path);
    const Header h = read_header(s, path);
    if (s.remaining() != SIZE_MAX) return read_body(s, h, path);
    // A pipe or device has no size to check the header's promise against: buffer what actually arrives (binary
    // samples: at most the promised bytes) in growing chunks, then parse that, so a lying header from a FIFO cannot
    // make us allocate what it promises.
    std::size_t limit = SIZE_MAX;
    if (!h.plain) {
        const std::size_t count = size_mul(size_mul(h.width, h.height, path), h.channels, path);
        limit = size_mul(count, h.maxval > 255 ? 2 : 1, path);
    }
    std::vector<std::uint8_t> rest;
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    while (rest.size() < limit) {
        const std::size_t old = rest.size(), want = std::min(kChunk, limit - old);
        rest.resize(old + want);
        const std::size_t got = s.read(rest.data() + old, want);
        rest.resize(old + got);
        if (got < want) break;
    }
    MemorySource m(rest.data(), rest.size());
    return read_body(m, h, path);
}

std::string pnm_header(const ImageView& image) {
    return std::string(image.channels == 3 ? "P6" : "P5") + " " + std::to_string(image.width) + " " +
           std::to_string(image.height) + " " + std::to_string(image.maxval) + "\n";
}

}  // namespace trtcore::image
