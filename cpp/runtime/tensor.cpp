#include "runtime/tensor.h"

#include <cstddef>
#include <limits>

#include "common/error.h"

namespace trtcore {

namespace {
struct TypeRow {
    DataType type;
    const char* name;
    std::size_t bits;
};
constexpr TypeRow kTypes[] = {
    {DataType::kFloat32, "float32", 32},      {DataType::kFloat16, "float16", 16},
    {DataType::kBFloat16, "bfloat16", 16},    {DataType::kInt8, "int8", 8},
    {DataType::kUInt8, "uint8", 8},           {DataType::kInt32, "int32", 32},
    {DataType::kInt64, "int64", 64},          {DataType::kBool, "bool", 8},
    {DataType::kFloat8E4M3, "float8_e4m3fn", 8}, {DataType::kInt4, "int4", 4},
    {DataType::kFloat4E2M1, "float4_e2m1fn", 4}, {DataType::kFloat8E8M0, "float8_e8m0fnu", 8},
};

const TypeRow& row(DataType type) {
    for (const auto& r : kTypes) {
        if (r.type == type) return r;
    }
    throw DTypeError("unknown trtcore::DataType value " + std::to_string(static_cast<int>(type)));
}
}  // namespace

std::size_t element_bits(DataType type) { return row(type).bits; }

const char* dtype_name(DataType type) { return row(type).name; }

DataType dtype_from_name(const std::string& name, const std::string& what) {
    for (const auto& r : kTypes) {
        if (name == r.name) return r.type;
    }
    throw DTypeError(what + ": unknown element type '" + name + "'");
}

bool is_dynamic(const Shape& shape) {
    for (auto d : shape) {
        if (d < 0) return true;
    }
    return false;
}

int64_t volume(const Shape& shape, const std::string& what) {
    int64_t n = 1;
    for (auto d : shape) {
        if (d < 0) throw ShapeError(what + ": shape " + to_string(shape) + " has an unresolved (dynamic) dimension");
        if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) {
            throw ShapeError(what + ": shape " + to_string(shape) + " has more elements than fit in 64 bits");
        }
        n *= d;
    }
    return n;
}

std::size_t byte_size(const Shape& shape, DataType type, const std::string& what) {
    const auto n = static_cast<uint64_t>(volume(shape, what));
    const uint64_t bits = element_bits(type);
    if (n > std::numeric_limits<uint64_t>::max() / bits) {
        throw ShapeError(what + ": shape " + to_string(shape) + " is too large in bytes");
    }
    // Rounded up without adding 7 first: n * bits can sit within 7 of 2^64 for 4-bit types.
    const uint64_t total_bits = n * bits;
    const uint64_t bytes = total_bits / 8 + (total_bits % 8 != 0 ? 1 : 0);
    if (bytes > static_cast<uint64_t>(std::numeric_limits<std::ptrdiff_t>::max())) {
        throw ShapeError(what + ": shape " + to_string(shape) + " needs " + std::to_string(bytes) +
                         " bytes, more than any allocation can hold");
    }
    return static_cast<std::size_t>(bytes);
}

std::string to_string(const Shape& shape) {
    // Plain concatenation rather than an ostringstream: no locale facets (an ostringstream here was the one
    // suspect of a segfault seen only on the GPU machine, see docs/runtime.md "Known issues").
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(shape[i]);
    }
    out += ']';
    return out;
}

}  // namespace trtcore
