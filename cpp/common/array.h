// An array handed in from outside (a numpy array, a DLPack or CUDA-array object), described without its owner, and
// the checks the C++ layers make of it before reading its memory. The bindings read the objects into ArrayViews;
// everything said about a wrong array (dtype, contiguity, writeability, shape) is said here.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "common/tensor.h"

namespace trtcore {

struct ArrayView {
    void* data = nullptr;
    std::optional<DataType> dtype;  // nullopt: a type trtcore has no name for (or a byte-swapped one)
    std::string type;               // the element type in words, for messages ("float32", "big-endian uint16")
    Shape shape;
    bool c_contiguous = true;
    bool writeable = false;
    Location location = Location::kHost;
    std::optional<std::uintptr_t> producer_stream;  // CUDA arrays: the stream the producer wrote them on
    std::string strides;                            // as given when not C-contiguous, for messages
};

// An array handed in for one tensor: a fed input (checked by runtime/validate.h), or an output's target.
struct NamedArray {
    std::string name;
    ArrayView array;
};

// The array's dtype when it is one of `allowed` and the array is C-contiguous (and writeable if asked); else
// DTypeError "<name>: dtype must be uint8, uint16, got float32" or ArgumentError naming `name`.
DataType check_array(const ArrayView& a, const std::string& name, std::initializer_list<DataType> allowed,
                     bool writeable = false);
// ShapeError "<name>: shape must be (3, 4, 5), got (4, 5, 3)" unless the shape is `want`.
void check_shape(const ArrayView& a, const std::string& name, const Shape& want);
// An array `out` given to receive a result: exactly `type` and `shape`, C-contiguous and writeable.
void check_output(const ArrayView& out, const std::string& name, DataType type, const Shape& shape);
// Python's way of writing a shape: "(3,)", "(2, 3)".
std::string shape_tuple_str(const Shape& shape);

}  // namespace trtcore
