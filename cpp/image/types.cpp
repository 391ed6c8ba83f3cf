#include "image/types.h"

#include <sys/mman.h>

#include <cstring>
#include <limits>
#include <new>

#include "common/error.h"

namespace trtcore::image {

std::size_t checked_mul(std::size_t a, std::size_t b, const std::string& what) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
        throw ArgumentError(what + ": size " + std::to_string(a) + " x " + std::to_string(b) + " overflows");
    return a * b;
}

Buffer::Buffer(std::size_t bytes) : size_(bytes) {
    // Allocated like numpy allocates array data (malloc, then transparent huge pages advised for blocks of 4 MiB
    // and more), so a fresh output behaves like numpy's: glibc keeps recently freed large blocks for reuse, and
    // the first touch of a 16 MB result costs a few huge-page faults instead of ~4000 small ones.
    mem_.reset(std::malloc(bytes == 0 ? 1 : bytes));
    if (!mem_) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (bytes >= (std::size_t{1} << 22)) {
        const auto p = reinterpret_cast<std::uintptr_t>(mem_.get());
        const std::uintptr_t offset = 4096 - p % 4096;
        ::madvise(reinterpret_cast<void*>(p + offset), bytes - offset, MADV_HUGEPAGE);  // advice: may fail
    }
#endif
}

namespace {
std::size_t array_bytes(DataType type, const Shape& shape, const std::string& what) {
    std::size_t count = 1;
    for (auto s : shape) count = checked_mul(count, static_cast<std::size_t>(s), what);
    return checked_mul(count, element_size(type), what);
}
}  // namespace

Buffer::Buffer(DataType type, const Shape& shape, const std::string& what) : Buffer(array_bytes(type, shape, what)) {}

std::uint16_t float_to_half(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, 4);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t absx = x & 0x7FFFFFFFu;
    if (absx >= 0x7F800000u) {  // inf or NaN: keep NaN quiet and non-zero
        if (absx == 0x7F800000u) return static_cast<std::uint16_t>(sign | 0x7C00u);
        return static_cast<std::uint16_t>(sign | 0x7E00u | ((absx >> 13) & 0x3FFu));
    }
    if (absx >= 0x477FF000u)  // rounds to >= 65520: overflow to inf
        return static_cast<std::uint16_t>(sign | 0x7C00u);
    if (absx < 0x38800000u) {  // below the smallest normal half (2^-14): subnormal or zero
        if (absx < 0x33000000u) return static_cast<std::uint16_t>(sign);  // < 2^-25: rounds to zero (tie too)
        const std::uint32_t exp = absx >> 23;                              // 102..112
        const std::uint32_t mant = (absx & 0x7FFFFFu) | 0x800000u;        // implicit bit
        const std::uint32_t shift = 126 - exp;                             // 14..24
        std::uint32_t h = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1u);
        const std::uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1u))) ++h;  // may carry into the smallest normal: still right
        return static_cast<std::uint16_t>(sign | h);
    }
    // Normal: rebias exponent (127 -> 15) and round the 13 dropped mantissa bits to nearest even; a carry out of
    // the mantissa bumps the exponent, which is the right answer (and cannot pass inf: checked above).
    std::uint32_t h = ((absx - 0x38000000u) >> 13);
    const std::uint32_t rem = absx & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = (static_cast<std::uint32_t>(h) & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1Fu;
    std::uint32_t mant = h & 0x3FFu;
    std::uint32_t x;
    if (exp == 0x1Fu) {
        x = sign | 0x7F800000u | (mant << 13);
    } else if (exp != 0) {
        x = sign | ((exp + 112u) << 23) | (mant << 13);
    } else if (mant == 0) {
        x = sign;
    } else {  // subnormal half: normalise
        std::uint32_t e = 113;
        while ((mant & 0x400u) == 0) {
            mant <<= 1;
            --e;
        }
        x = sign | (e << 23) | ((mant & 0x3FFu) << 13);
    }
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

}  // namespace trtcore::image
