#include "image/postprocess.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "common/error.h"
#include "common/parallel.h"
#include "image/cpu_kernels.h"
#include "image/postprocess_simd.h"

namespace trtcore::image {

namespace {

// The scalar kernels (cpu_kernels.h: the reference every vector variant in postprocess_simd.cpp is tested
// against, and what TRTCORE_CPU_KERNELS=scalar runs).
// Pixels per argmax tile: the running maxima and indices (2 x 8 KB) stay in L1 while all C planes stream past.
constexpr std::size_t kTile = 2048;

// float16 -> float32 for every bit pattern, built once: argmax on half logits then compares exact float values
// (so -0 == +0 and NaN behave as numpy's) at the cost of one table load per element.
const float* half_table() {
    static const std::vector<float> table = [] {
        std::vector<float> t(65536);
        for (std::uint32_t i = 0; i < 65536; ++i) t[i] = half_to_float(static_cast<std::uint16_t>(i));
        return t;
    }();
    return table.data();
}

// Replace the running maximum when v is larger, or when v is the first NaN (numpy: NaN wins, first one kept).
// Written branch-free so the compiler vectorises the loop.
inline void update(float* best, std::int32_t* idx, const float* v, std::int32_t c, std::size_t n) {
    for (std::size_t j = 0; j < n; ++j) {
        const float b = best[j], x = v[j];
        const bool take = (x > b) | ((x != x) & (b == b));
        best[j] = take ? x : b;
        idx[j] = take ? c : idx[j];
    }
}

// The exact rule over n pixels of all c planes (used for float16 rows, ragged ends, and blocks with NaN).
inline void exact(const float* p, std::size_t plane, std::size_t c, std::size_t n, float* best, std::int32_t* idx) {
    std::memcpy(best, p, n * sizeof(float));
    std::fill_n(idx, n, 0);
    for (std::size_t k = 1; k < c; ++k) update(best, idx, p + k * plane, static_cast<std::int32_t>(k), n);
}

// float32 fast path: 16 pixels at a time with their running maxima and indices held in registers across all c
// planes (the loop above keeps them in memory, which costs two loads and two stores per vector per class). It
// ignores the NaN rule and reports instead whether any NaN was seen, so the caller redoes such blocks exactly.
// GCC/Clang vector extensions: portable SIMD (SSE2 on x86-64, NEON on ARM) without intrinsics.
typedef float F4 __attribute__((vector_size(16)));
typedef std::int32_t I4 __attribute__((vector_size(16)));

inline F4 load4(const float* p) {
    F4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline bool block16(const float* p, std::size_t plane, std::size_t c, std::int32_t* idx) {
    F4 b[4];
    I4 id[4] = {};
    I4 nan = {};
    for (int q = 0; q < 4; ++q) b[q] = load4(p + 4 * q);
    for (std::size_t k = 1; k < c; ++k) {
        const float* v = p + k * plane;
        const I4 kk = I4{} + static_cast<std::int32_t>(k);
        for (int q = 0; q < 4; ++q) {
            const F4 x = load4(v + 4 * q);
            const I4 take = x > b[q];  // all-ones lanes where x is larger (false for NaN)
            b[q] = reinterpret_cast<F4>((reinterpret_cast<I4>(x) & take) | (reinterpret_cast<I4>(b[q]) & ~take));
            id[q] = (kk & take) | (id[q] & ~take);
            nan |= (x != x);
        }
    }
    if ((nan[0] | nan[1] | nan[2] | nan[3]) != 0) return false;
    std::memcpy(idx, id, sizeof id);
    return true;
}

template <typename L> void store(const std::int32_t* idx, std::size_t n, void* out, std::size_t offset) {
    L* o = static_cast<L*>(out) + offset;
    for (std::size_t j = 0; j < n; ++j) o[j] = static_cast<L>(idx[j]);
}

void argmax_scalar(const detail::ArgmaxJob& job, std::size_t begin, std::size_t end) {
    const bool half = job.half;
    const std::size_t c = job.c, plane = job.plane, tiles_per_image = (plane + kTile - 1) / kTile;
    const void* logits = job.logits;
    void* labels_out = job.labels;
    const DataType label_type = job.label_type;
    const float* htab = job.half_table;
    std::vector<float> best(kTile), row(half ? kTile : 0);
    std::vector<std::int32_t> idx(kTile);
    for (std::size_t t = begin; t < end; ++t) {
        const std::size_t img = t / tiles_per_image, start = (t % tiles_per_image) * kTile;
        const std::size_t len = std::min(kTile, plane - start);
        if (half) {
            for (std::size_t k = 0; k < c; ++k) {
                const auto* src = static_cast<const std::uint16_t*>(logits) + (img * c + k) * plane + start;
                for (std::size_t j = 0; j < len; ++j) row[j] = htab[src[j]];
                if (k == 0) {
                    std::memcpy(best.data(), row.data(), len * sizeof(float));
                    std::fill_n(idx.begin(), len, 0);
                } else {
                    update(best.data(), idx.data(), row.data(), static_cast<std::int32_t>(k), len);
                }
            }
        } else {
            const float* p = static_cast<const float*>(logits) + img * c * plane + start;
            std::size_t j = 0;
            for (; j + 16 <= len; j += 16)
                if (!block16(p + j, plane, c, idx.data() + j))
                    exact(p + j, plane, c, 16, best.data(), idx.data() + j);
            if (j < len) exact(p + j, plane, c, len - j, best.data(), idx.data() + j);
        }
        const std::size_t offset = img * plane + start;
        if (label_type == DataType::kInt64) store<std::int64_t>(idx.data(), len, labels_out, offset);
        else if (label_type == DataType::kInt32) store<std::int32_t>(idx.data(), len, labels_out, offset);
        else store<std::uint8_t>(idx.data(), len, labels_out, offset);
    }
}

}  // namespace

void check_argmax(const void* logits, DataType logits_type, std::size_t n, std::size_t c, std::size_t h,
                  std::size_t w, const void* labels_out, DataType label_type) {
    if (logits == nullptr || labels_out == nullptr) throw ArgumentError("argmax: logits or labels pointer is null");
    if (n == 0 || c == 0 || h == 0 || w == 0)
        throw ShapeError("argmax: logits dimensions must be at least 1, got [" + std::to_string(n) + ", " +
                         std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]");
    const std::size_t plane = checked_mul(h, w, "argmax");
    checked_mul(checked_mul(plane, c, "argmax"), n, "argmax");
    if (logits_type != DataType::kFloat32 && logits_type != DataType::kFloat16)
        throw DTypeError(std::string("argmax: logits must be float32 or float16, got ") + dtype_name(logits_type));
    if (label_type != DataType::kInt64 && label_type != DataType::kInt32 && label_type != DataType::kUInt8)
        throw DTypeError(std::string("argmax: labels must be int64, int32 or uint8, got ") + dtype_name(label_type));
    if (label_type == DataType::kUInt8 && c > 256)
        throw ArgumentError("argmax: " + std::to_string(c) + " classes do not fit uint8 labels; use int32 or int64");
    if (c > 0x7FFFFFFFu) throw ArgumentError("argmax: too many classes (" + std::to_string(c) + ")");
}

void argmax(const void* logits, DataType logits_type, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
            void* labels_out, DataType label_type) {
    check_argmax(logits, logits_type, n, c, h, w, labels_out, label_type);
    const std::size_t plane = h * w;

    const bool half = logits_type == DataType::kFloat16;
    const detail::ArgmaxJob job{logits, half, c, plane, labels_out, label_type, half ? half_table() : nullptr};
    CpuKernels variant = cpu_kernels();
    if (c >= 32768) variant = CpuKernels::kScalar;  // beyond the vector kernels' 16-bit float16 indices
    const detail::ArgmaxTiles tiles = variant == CpuKernels::kScalar ? argmax_scalar : detail::argmax_tiles(variant);
    const std::size_t tile = variant == CpuKernels::kScalar ? kTile : detail::argmax_tile_pixels(half);
    // 1282 x 1026 logits give ~80 vector tiles (~640 scalar ones): both cores stay busy.
    parallel_for(n * ((plane + tile - 1) / tile), 1, [&](std::size_t begin, std::size_t end) { tiles(job, begin, end); });
}

Palette::Palette(std::vector<Color> colors) : colors_(std::move(colors)) {
    if (colors_.empty() || colors_.size() > 65536)
        throw ArgumentError("palette: needs 1..65536 colours, got " + std::to_string(colors_.size()));
    packed_.resize(colors_.size(), 0);
    for (std::size_t i = 0; i < colors_.size(); ++i) std::memcpy(&packed_[i], colors_[i].data(), 3);
}

Buffer Palette::rgb() const {
    Buffer buf(colors_.size() * 3);
    for (std::size_t i = 0; i < colors_.size(); ++i) std::memcpy(buf.data() + 3 * i, colors_[i].data(), 3);
    return buf;
}

Palette guide_palette(std::int64_t num_classes, const std::array<std::int64_t, 3>& base) {
    if (num_classes < 1 || num_classes > 65536)
        throw ArgumentError("palette: num_classes must be 1..65536, got " + std::to_string(num_classes));
    for (int k = 0; k < 3; ++k)
        if (base[k] < 0)
            throw ArgumentError("palette: base values must be >= 0, got base[" + std::to_string(k) +
                                "] = " + std::to_string(base[k]));
    std::vector<Color> colors(static_cast<std::size_t>(num_classes));
    for (std::int64_t i = 0; i < num_classes; ++i)
        for (int k = 0; k < 3; ++k)  // (base * i) mod 255 without overflow: reduce base first
            colors[i][k] = static_cast<std::uint8_t>(((base[k] % 255) * i) % 255);
    return Palette(std::move(colors));
}

namespace {

template <typename L> std::size_t colorize_scalar_typed(const detail::ColorizeJob& job, std::size_t begin,
                                                        std::size_t end) {
    // Colours packed in 4 bytes so each pixel is one 4-byte store; the byte spilling into the next pixel is
    // overwritten by that pixel, and the last pixel of each chunk is stored with 3 bytes so no thread writes
    // into another's range.
    const L* labels = static_cast<const L*>(job.labels);
    for (std::size_t j = begin; j < end; ++j) {
        const L id = labels[j];
        // One unsigned compare rejects negative ids too.
        if (static_cast<std::uint64_t>(static_cast<std::int64_t>(id)) >= job.size) return j;
        if (j + 1 < end) std::memcpy(job.rgb + 3 * j, &job.packed[static_cast<std::size_t>(id)], 4);
        else std::memcpy(job.rgb + 3 * j, &job.packed[static_cast<std::size_t>(id)], 3);
    }
    return end;
}

std::size_t colorize_scalar(const detail::ColorizeJob& job, std::size_t begin, std::size_t end) {
    switch (job.label_type) {
        case DataType::kInt64: return colorize_scalar_typed<std::int64_t>(job, begin, end);
        case DataType::kInt32: return colorize_scalar_typed<std::int32_t>(job, begin, end);
        default: return colorize_scalar_typed<std::uint8_t>(job, begin, end);
    }
}

}  // namespace

std::int64_t label_at(const void* labels, DataType type, std::size_t j) {
    switch (type) {
        case DataType::kInt64: return static_cast<const std::int64_t*>(labels)[j];
        case DataType::kInt32: return static_cast<const std::int32_t*>(labels)[j];
        default: return static_cast<const std::uint8_t*>(labels)[j];
    }
}

void id_outside(std::int64_t id, std::size_t j, std::uint64_t size) {
    throw ArgumentError("colorize: class id " + std::to_string(static_cast<long long>(id)) + " at pixel index " +
                        std::to_string(j) + " is outside the palette (" + std::to_string(size) + " colours: ids 0.." +
                        std::to_string(size - 1) + ")");
}

void check_colorize(const void* labels, DataType label_type, std::size_t count, std::size_t palette_size,
                    const void* rgb_out) {
    if (labels == nullptr || rgb_out == nullptr) throw ArgumentError("colorize: labels or output pointer is null");
    if (palette_size == 0) throw ArgumentError("colorize: the palette is empty");
    checked_mul(count, 3, "colorize");
    if (label_type != DataType::kInt64 && label_type != DataType::kInt32 && label_type != DataType::kUInt8)
        throw DTypeError(std::string("colorize: labels must be int64, int32 or uint8, got ") + dtype_name(label_type));
}

void colorize(const void* labels, DataType label_type, std::size_t count, const Palette& palette,
              std::uint8_t* rgb_out) {
    if (count == 0) return;
    check_colorize(labels, label_type, count, palette.size(), rgb_out);
    const detail::ColorizeJob job{labels, label_type, palette.packed(), palette.size(), rgb_out};
    const CpuKernels variant = cpu_kernels();
    const detail::ColorizeRange range =
        variant == CpuKernels::kScalar ? colorize_scalar : detail::colorize_range(variant);
    parallel_for(count, 65536, [&](std::size_t begin, std::size_t end) {
        const std::size_t bad = range(job, begin, end);
        if (bad != end) id_outside(label_at(labels, label_type, bad), bad, job.size);
    });
}

namespace {

bool is_label_type(DataType t) {
    switch (t) {
        case DataType::kInt8: case DataType::kUInt8: case DataType::kInt16: case DataType::kUInt16:
        case DataType::kInt32: case DataType::kUInt32: case DataType::kInt64: case DataType::kUInt64: return true;
        default: return false;
    }
}

template <typename S> void widen(const S* src, std::size_t count, std::int64_t* dst, const std::string& what) {
    parallel_for(count, 65536, [&](std::size_t begin, std::size_t end) {
        for (std::size_t j = begin; j < end; ++j) {
            if constexpr (std::is_same_v<S, std::uint64_t>) {
                if (src[j] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    throw FormatError(what + ": class id " + std::to_string(src[j]) + " at pixel index " +
                                      std::to_string(j) + " does not fit int64");
            }
            dst[j] = static_cast<std::int64_t>(src[j]);
        }
    });
}

}  // namespace

LabelSource label_source(DataType type, const Shape& shape, const std::string& what, std::size_t expected_height,
                         std::size_t expected_width) {
    const bool logits = type == DataType::kFloat32 || type == DataType::kFloat16;
    const std::string got = std::string(dtype_name(type)) + " " + to_string(shape);
    if (!logits && !is_label_type(type))
        throw FormatError(what + " came back as " + got +
                          "; expected logits (float32/float16) [1, C, H, W] or integer labels [1, 1, H, W]");
    for (auto d : shape)
        if (d < 1) throw FormatError(what + " came back as " + got + "; every dimension must be at least 1");
    LabelSource src;
    src.logits = logits;
    if (logits && shape.size() == 4 && shape[0] == 1) {
        src.classes = static_cast<std::size_t>(shape[1]);
    } else if (!logits && ((shape.size() == 4 && shape[0] == 1 && shape[1] == 1) ||
                           (shape.size() == 3 && shape[0] == 1))) {
        src.classes = 0;
    } else {
        throw FormatError(what + " came back as " + got +
                          "; expected logits [1, C, H, W] or labels [1, 1, H, W] / [1, H, W]");
    }
    src.height = static_cast<std::size_t>(shape[shape.size() - 2]);
    src.width = static_cast<std::size_t>(shape[shape.size() - 1]);
    if ((expected_height != 0 && src.height != expected_height) || (expected_width != 0 && src.width != expected_width))
        throw FormatError(what + " is " + std::to_string(src.height) + "x" + std::to_string(src.width) +
                          " but the input was " + std::to_string(expected_height) + "x" +
                          std::to_string(expected_width) + "; trtcore expects per-pixel outputs at the input's size");
    checked_mul(checked_mul(src.height, src.width, what), std::max<std::size_t>(src.classes, 1), what);
    return src;
}

void labels_from_output(const void* data, DataType type, const Shape& shape, std::int64_t* labels_out,
                        const std::string& what, std::size_t expected_height, std::size_t expected_width) {
    const LabelSource src = label_source(type, shape, what, expected_height, expected_width);
    if (data == nullptr || labels_out == nullptr) throw ArgumentError(what + ": output or labels pointer is null");
    if (src.logits) {
        argmax(data, type, 1, src.classes, src.height, src.width, labels_out, DataType::kInt64);
        return;
    }
    const std::size_t count = src.height * src.width;
    switch (type) {
        case DataType::kInt8: widen(static_cast<const std::int8_t*>(data), count, labels_out, what); break;
        case DataType::kUInt8: widen(static_cast<const std::uint8_t*>(data), count, labels_out, what); break;
        case DataType::kInt16: widen(static_cast<const std::int16_t*>(data), count, labels_out, what); break;
        case DataType::kUInt16: widen(static_cast<const std::uint16_t*>(data), count, labels_out, what); break;
        case DataType::kInt32: widen(static_cast<const std::int32_t*>(data), count, labels_out, what); break;
        case DataType::kUInt32: widen(static_cast<const std::uint32_t*>(data), count, labels_out, what); break;
        case DataType::kUInt64: widen(static_cast<const std::uint64_t*>(data), count, labels_out, what); break;
        default: std::memcpy(labels_out, data, count * sizeof(std::int64_t)); break;  // int64: checked above
    }
}

}  // namespace trtcore::image
