// trtcore's own words for tensors: TensorRT types never leave cpp/tensorrt/; everything else speaks these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trtcore {

// Element types, named as numpy names them (dtype_name). Values are ours, not TensorRT's (which renumbered
// its enums in 11.x): cpp/tensorrt maps by name.
enum class DataType : int {
    kFloat32,
    kFloat16,
    kBFloat16,
    kInt8,
    kUInt8,
    kInt32,
    kInt64,
    kBool,
    kFloat8E4M3,
    kInt4,
    kFloat4E2M1,
    kFloat8E8M0,
};

// Bits per element (4 for kInt4/kFloat4E2M1).
std::size_t element_bits(DataType type);
// numpy's name: "float32", "float16", "bfloat16", "int8", "uint8", "int32", "int64", "bool", "float8_e4m3fn",
// "int4", "float4_e2m1fn", "float8_e8m0fnu".
const char* dtype_name(DataType type);
// Inverse of dtype_name; throws DTypeError naming `what` for an unknown name.
DataType dtype_from_name(const std::string& name, const std::string& what);

// Extents; -1 marks a dimension resolved only at run time.
using Shape = std::vector<int64_t>;

bool is_dynamic(const Shape& shape);
// Number of elements; throws ShapeError (naming `what`) for dynamic or negative dims or on overflow.
int64_t volume(const Shape& shape, const std::string& what);
// Bytes of `volume` elements of `type`, rounded up to whole bytes; throws ShapeError on overflow.
std::size_t byte_size(const Shape& shape, DataType type, const std::string& what);
// "[1, 3, -1, -1]"
std::string to_string(const Shape& shape);

enum class TensorIO { kInput, kOutput };

struct ProfileShape {
    Shape min, opt, max;
};

struct TensorInfo {
    std::string name;
    TensorIO io = TensorIO::kInput;
    DataType dtype = DataType::kFloat32;
    Shape shape;                          // -1 for dynamic dims
    std::string format;                   // TensorRT's description of the layout, e.g. "Row major linear FP32"
    std::vector<ProfileShape> profiles;   // inputs: min/opt/max per optimization profile; empty for outputs
};

}  // namespace trtcore
