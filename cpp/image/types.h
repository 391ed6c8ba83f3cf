// The owned byte buffer and the half-float conversions shared by the image layer (PNM I/O, preprocess,
// postprocess). Element types are trtcore::DataType (common/tensor.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/tensor.h"

namespace trtcore::image {

// Multiplies sizes, throwing ArgumentError("<what>: ... overflows") instead of wrapping around. Used before every
// allocation whose size comes from a file or a caller.
std::size_t checked_mul(std::size_t a, std::size_t b, const std::string& what);

// A move-only, uninitialised block of bytes (malloc alignment, 16 bytes). Images read from files and arrays
// returned to Python live in one, so the Python bindings can hand the block itself to numpy (no copy).
class Buffer {
public:
    Buffer() = default;
    explicit Buffer(std::size_t bytes);  // throws std::bad_alloc when the memory is not there
    // Room for an array of `type` and `shape`; ArgumentError naming `what` when its size overflows.
    Buffer(DataType type, const Shape& shape, const std::string& what);
    std::uint8_t* data() { return static_cast<std::uint8_t*>(mem_.get()); }
    const std::uint8_t* data() const { return static_cast<const std::uint8_t*>(mem_.get()); }
    std::size_t size() const { return size_; }
    template <typename T> T* as() { return reinterpret_cast<T*>(data()); }
    template <typename T> const T* as() const { return reinterpret_cast<const T*>(data()); }

private:
    struct Free {
        void operator()(void* p) const { std::free(p); }
    };
    std::unique_ptr<void, Free> mem_;
    std::size_t size_ = 0;
};

// IEEE 754 binary16 <-> binary32. float_to_half rounds to nearest, ties to even (like numpy's astype(float16)),
// keeps subnormals, infinities and NaN (quiet, sign kept). half_to_float is exact.
std::uint16_t float_to_half(float f);
float half_to_float(std::uint16_t h);

}  // namespace trtcore::image
