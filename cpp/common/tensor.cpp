#include "common/tensor.h"

#include <cstddef>
#include <limits>
#include <string>

#include "common/error.h"

namespace trtcore {

namespace {
// numpy name, bits, DLPack code, typestr, ONNX value and name, TensorRT enumerator
const std::vector<DataTypeInfo> kTypes = {
    {DataType::kFloat32, "float32", 32, 2, "<f4", 1, "FLOAT", "kFLOAT"},
    {DataType::kFloat16, "float16", 16, 2, "<f2", 10, "FLOAT16", "kHALF"},
    {DataType::kBFloat16, "bfloat16", 16, 4, "", 16, "BFLOAT16", "kBF16"},
    {DataType::kInt8, "int8", 8, 0, "|i1", 3, "INT8", "kINT8"},
    {DataType::kUInt8, "uint8", 8, 1, "|u1", 2, "UINT8", "kUINT8"},
    {DataType::kInt32, "int32", 32, 0, "<i4", 6, "INT32", "kINT32"},
    {DataType::kInt64, "int64", 64, 0, "<i8", 7, "INT64", "kINT64"},
    {DataType::kBool, "bool", 8, 6, "|b1", 9, "BOOL", "kBOOL"},
    {DataType::kFloat8E4M3, "float8_e4m3fn", 8, -1, "", 17, "FLOAT8E4M3FN", "kFP8"},
    {DataType::kInt4, "int4", 4, -1, "", 22, "INT4", "kINT4"},
    {DataType::kFloat4E2M1, "float4_e2m1fn", 4, -1, "", 23, "FLOAT4E2M1", "kFP4"},
    {DataType::kFloat8E8M0, "float8_e8m0fnu", 8, -1, "", 24, "FLOAT8E8M0", "kE8M0"},
    {DataType::kUInt16, "uint16", 16, 1, "<u2", 4, "UINT16", ""},
    {DataType::kInt16, "int16", 16, 0, "<i2", 5, "INT16", ""},
    {DataType::kUInt32, "uint32", 32, 1, "<u4", 12, "UINT32", ""},
    {DataType::kUInt64, "uint64", 64, 1, "<u8", 13, "UINT64", ""},
    {DataType::kFloat64, "float64", 64, 2, "<f8", 11, "DOUBLE", ""},
};
}  // namespace

Fields DataTypeInfo::fields() const {
    return {{"name", numpy},
            {"bits", static_cast<long long>(bits)},
            {"dlpack_code", dlpack_code},
            {"typestr", typestr},
            {"onnx", onnx},
            {"onnx_name", onnx_name},
            {"tensorrt", tensorrt}};
}

const std::vector<DataTypeInfo>& dtype_table() { return kTypes; }

const DataTypeInfo& dtype_info(DataType type) {
    const auto i = static_cast<std::size_t>(type);
    if (i < kTypes.size() && kTypes[i].type == type) return kTypes[i];
    throw DTypeError("unknown trtcore::DataType value " + std::to_string(static_cast<int>(type)));
}

std::size_t element_bits(DataType type) { return dtype_info(type).bits; }

std::size_t element_size(DataType type) {
    const auto bits = element_bits(type);
    if (bits % 8 != 0) {
        throw DTypeError(std::string(dtype_name(type)) + " packs " + std::to_string(8 / bits) +
                         " elements per byte: it has no per-element byte size");
    }
    return bits / 8;
}

void check_numpy_representable(DataType type, const std::string& what) {
    const auto bits = element_bits(type);
    if (bits % 8 == 0) return;
    const std::string name = dtype_name(type);
    throw DTypeError(what + " is " + name + ", which TensorRT packs " + std::to_string(8 / bits) +
                     " per byte while numpy (ml_dtypes) stores one " + name + " per byte: trtcore neither views nor "
                     "converts such tensors as numpy arrays; keep 4-bit types inside the network (make its inputs "
                     "and outputs int8, uint8 or float16) or run it with TensorRT's own API");
}

const char* dtype_name(DataType type) { return dtype_info(type).numpy; }

std::optional<DataType> find_dtype(const std::string& numpy_name) {
    for (const auto& r : kTypes) {
        if (numpy_name == r.numpy) return r.type;
    }
    return std::nullopt;
}

DataType dtype_from_name(const std::string& name, const std::string& what) {
    if (auto t = find_dtype(name)) return *t;
    throw DTypeError(what + ": unknown element type '" + name + "'");
}

std::optional<DataType> dtype_from_typestr(const std::string& typestr) {
    if (typestr.size() < 3 || typestr[0] == '>') return std::nullopt;
    const std::string body = typestr.substr(1);
    for (const auto& r : kTypes) {
        if (r.typestr[0] != '\0' && body == r.typestr + 1) return r.type;
    }
    return std::nullopt;
}

std::optional<DataType> dtype_from_dlpack(int code, int bits, int lanes) {
    if (lanes != 1) return std::nullopt;
    for (const auto& r : kTypes) {
        if (r.dlpack_code == code && static_cast<int>(r.bits) == bits) return r.type;
    }
    return std::nullopt;
}

std::optional<DataType> dtype_from_onnx(int onnx_type) {
    for (const auto& r : kTypes) {
        if (r.onnx == onnx_type) return r.type;
    }
    return std::nullopt;
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

const char* io_name(TensorIO io) { return io == TensorIO::kInput ? "input" : "output"; }
const char* location_name(Location location) { return location == Location::kDevice ? "device" : "host"; }

TensorIO io_from_name(const std::string& name, const std::string& what) {
    if (name != "input" && name != "output") {
        throw ArgumentError(what + ": io must be 'input' or 'output', got '" + name + "'");
    }
    return name == "input" ? TensorIO::kInput : TensorIO::kOutput;
}

Location location_from_name(const std::string& name, const std::string& what) {
    if (name != "device" && name != "host") {
        throw ArgumentError(what + ": location must be 'device' or 'host', got '" + name + "'");
    }
    return name == "device" ? Location::kDevice : Location::kHost;
}

std::string shape_str(const TensorInfo& t) {
    std::string out = "(";
    for (std::size_t i = 0; i < t.shape.size(); ++i) {
        const bool named = i < t.dim_names.size() && !t.dim_names[i].empty();
        if (i) out += ", ";
        out += t.shape[i] >= 0 ? std::to_string(t.shape[i]) : named ? t.dim_names[i] : "?";
    }
    return out + ")";
}

std::vector<std::optional<std::string>> dim_names_of(const TensorInfo& t) {
    std::vector<std::optional<std::string>> names(t.shape.size());
    for (std::size_t i = 0; i < names.size() && i < t.dim_names.size(); ++i) {
        if (!t.dim_names[i].empty()) names[i] = t.dim_names[i];
    }
    return names;
}

void set_dim_names(TensorInfo& t, const std::vector<std::optional<std::string>>& names) {
    if (!names.empty() && names.size() != t.shape.size()) {
        throw ArgumentError("tensor '" + t.name + "': dim_names has " + std::to_string(names.size()) +
                            " entries for " + std::to_string(t.shape.size()) + " dimensions");
    }
    t.dim_names.clear();
    for (const auto& n : names) t.dim_names.push_back(n.value_or(""));
}

std::string to_string(const TensorInfo& t) {
    return std::string("TensorInfo(") + io_name(t.io) + " '" + t.name + "', " + dtype_name(t.dtype) + ", " +
           to_string(t.shape) + ")";
}

bool same_tensor(const TensorInfo& a, const TensorInfo& b) {
    bool eq = a.name == b.name && a.io == b.io && a.dtype == b.dtype && a.shape == b.shape &&
              a.location == b.location && a.profiles.size() == b.profiles.size();
    for (std::size_t i = 0; eq && i < a.profiles.size(); ++i) {
        const auto &x = a.profiles[i], &y = b.profiles[i];
        eq = x.min == y.min && x.opt == y.opt && x.max == y.max;
    }
    return eq;
}

std::vector<TensorInfo> tensors_of(const std::vector<TensorInfo>& tensors, TensorIO io) {
    std::vector<TensorInfo> out;
    for (const auto& t : tensors) {
        if (t.io == io) out.push_back(t);
    }
    return out;
}

}  // namespace trtcore
