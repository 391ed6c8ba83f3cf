// trtcore's one tensor vocabulary: the element types (one table, with every name other systems use for them),
// shapes and the description of a model's input or output. Every layer speaks these; TensorRT types never leave
// cpp/tensorrt/, and Python sees exactly these through the bindings (trtcore.TensorInfo, trtcore.dtypes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/fields.h"

namespace trtcore {

// Element types. Values are ours, not TensorRT's (which renumbered its enums in 11.x) nor ONNX's: conversions
// go through the table below.
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
    kUInt16,   // 16-bit images; ONNX Runtime models (TensorRT has no uint16)
    kInt16,
    kUInt32,
    kUInt64,
    kFloat64,
};

// One row of the table: everything that names or sizes an element type. Empty strings / negative numbers mean
// "that system has no such type".
struct DataTypeInfo {
    DataType type;
    const char* numpy;      // numpy's (or ml_dtypes') dtype name: "float32", "bfloat16", "float8_e4m3fn", "int4"
    std::size_t bits;       // bits per element: 4 for the packed sub-byte types (two per byte in TensorRT)
    int dlpack_code;        // DLPack v0.8 type code (kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLBool 6); -1
    const char* typestr;    // __cuda_array_interface__ / numpy array-interface typestr ("<f4"); "" for none
    int onnx;               // onnx.TensorProto.DataType value (FLOAT = 1, ...)
    const char* onnx_name;  // its name ("FLOAT"); ONNX Runtime's type string is "tensor(" + lower(name) + ")"
    const char* tensorrt;   // nvinfer1::DataType enumerator ("kFLOAT"); "" where TensorRT has none

    Fields fields() const;  // name (numpy's), bits, dlpack_code, typestr, onnx, onnx_name, tensorrt
};

// Every row, in DataType order.
const std::vector<DataTypeInfo>& dtype_table();
const DataTypeInfo& dtype_info(DataType type);

// Bits per element (4 for kInt4/kFloat4E2M1).
std::size_t element_bits(DataType type);
// Bytes per element for the byte-addressable types; throws DTypeError naming the type for sub-byte ones.
std::size_t element_size(DataType type);
// DTypeError for the packed 4-bit types (int4, float4_e2m1fn) at the numpy boundary: TensorRT packs two per
// byte, numpy (ml_dtypes) stores one per byte, so a numpy view of a TensorRT buffer (or a copy of a numpy array
// into one) would give wrong values and read past the end. trtcore refuses rather than converts. `what` names
// the array or tensor in the message.
void check_numpy_representable(DataType type, const std::string& what);
// numpy's name: "float32", "float16", "bfloat16", "int8", "uint8", ...
const char* dtype_name(DataType type);
// Inverse of dtype_name; throws DTypeError naming `what` for an unknown name.
DataType dtype_from_name(const std::string& name, const std::string& what);
std::optional<DataType> find_dtype(const std::string& numpy_name);
// From an array-interface typestr ("<f4", "|u1"; "=" and native "<" accepted, big-endian refused).
std::optional<DataType> dtype_from_typestr(const std::string& typestr);
std::optional<DataType> dtype_from_dlpack(int code, int bits, int lanes);
std::optional<DataType> dtype_from_onnx(int onnx_type);

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
// Where a tensor's data lives: host memory or device (GPU) memory.
enum class Location { kHost, kDevice };

struct ProfileShape {
    Shape min, opt, max;
};

// One input or output of a model. The same struct describes a TensorRT engine's tensors, a testing backend's,
// an ONNX Runtime session's and an ONNX graph's (where profiles are empty and dim_names carry the symbols).
struct TensorInfo {
    std::string name;
    TensorIO io = TensorIO::kInput;
    DataType dtype = DataType::kFloat32;
    Shape shape;                          // -1 for dynamic dims
    std::vector<std::string> dim_names;   // symbolic names of dynamic dims ("batch"), "" where none; may be empty
    std::vector<ProfileShape> profiles;   // inputs: min/opt/max per optimization profile; empty for outputs
    Location location = Location::kDevice;
    std::string format;                   // TensorRT's description of the layout, e.g. "Row major linear FP32"
};

// "input" / "output" and "device" / "host", the words Python and messages use; the parsers throw ArgumentError
// naming `what` for any other word.
const char* io_name(TensorIO io);
const char* location_name(Location location);
TensorIO io_from_name(const std::string& name, const std::string& what);
Location location_from_name(const std::string& name, const std::string& what);

// The shape for messages, dynamic dims by name or '?': "(batch, 3, 224, 224)".
std::string shape_str(const TensorInfo& t);
// One name per dimension: the symbolic one, nullopt where a dimension has none.
std::vector<std::optional<std::string>> dim_names_of(const TensorInfo& t);
// Sets t.dim_names from one optional name per dimension, or none; ArgumentError for any other count.
void set_dim_names(TensorInfo& t, const std::vector<std::optional<std::string>>& names);
// "TensorInfo(input 'x', float32, [1, 3, -1, -1])"
std::string to_string(const TensorInfo& t);
// Same name, io, dtype, shape, location and profiles (dim_names and format are descriptive only).
bool same_tensor(const TensorInfo& a, const TensorInfo& b);
// The tensors of `io` among `tensors`, in order.
std::vector<TensorInfo> tensors_of(const std::vector<TensorInfo>& tensors, TensorIO io);

}  // namespace trtcore
