#include "common/array.h"

#include <algorithm>

#include "common/error.h"

namespace trtcore {

DataType check_array(const ArrayView& a, const std::string& name, std::initializer_list<DataType> allowed,
                     bool writeable) {
    if (!a.dtype || std::find(allowed.begin(), allowed.end(), *a.dtype) == allowed.end()) {
        std::string text;
        for (const DataType t : allowed) text += (text.empty() ? "" : ", ") + std::string(dtype_name(t));
        throw DTypeError(name + ": dtype must be " + text + ", got " + a.type);
    }
    if (!a.c_contiguous) throw ArgumentError(name + ": array must be C-contiguous");
    if (writeable && !a.writeable) throw ArgumentError(name + ": array is read-only");
    return *a.dtype;
}

std::string shape_tuple_str(const Shape& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

void check_shape(const ArrayView& a, const std::string& name, const Shape& want) {
    if (a.shape != want) {
        throw ShapeError(name + ": shape must be " + shape_tuple_str(want) + ", got " + shape_tuple_str(a.shape));
    }
}

void check_output(const ArrayView& out, const std::string& name, DataType type, const Shape& shape) {
    check_array(out, name, {type}, true);
    check_shape(out, name, shape);
}

}  // namespace trtcore
