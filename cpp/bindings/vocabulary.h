// The one tensor vocabulary (common/tensor.h) on the Python side: numpy dtypes for trtcore::DataType and back.
#pragma once

#include <pybind11/numpy.h>

#include <optional>
#include <string>

#include "common/array.h"
#include "common/tensor.h"

namespace trtcore::bindings {

// numpy's dtype for `type`; DTypeError naming `what` when numpy has none (bfloat16/fp8 without ml_dtypes).
pybind11::dtype numpy_dtype(DataType type, const std::string& what);
// The array's element type; nullopt for dtypes trtcore has no name for, or byte-swapped ones ('>u2').
std::optional<DataType> dtype_of(const pybind11::array& a);
// A numpy array as the C++ layers check it (common/array.h), in place: its type in numpy's words when trtcore has
// no name for it (">f4").
ArrayView array_view(const pybind11::array& a);
// A dtype given by the user: a numpy dtype, a numpy scalar type or a name ("float16"); DTypeError naming `what`.
DataType dtype_from_object(const pybind11::handle& obj, const std::string& what);

}  // namespace trtcore::bindings
