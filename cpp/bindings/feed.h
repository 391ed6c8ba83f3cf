// What a Python object fed as an input is (element type, extents, host or device), read without converting or
// copying it: numpy arrays, __cuda_array_interface__ objects, DLPack objects (__dlpack__/__dlpack_device__).
// The executor's feed conversion (cuda_arrays.cpp) and _core.check_feed (the ONNX Runtime runner's validation)
// both read objects through these, and both check them with the one validator (cpp/runtime/validate.h).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "runtime/dlpack.h"
#include "runtime/validate.h"

namespace trtcore::bindings {

InputSpec describe_numpy(const std::string& name, const pybind11::array& a);
// `cai` is the object's __cuda_array_interface__ dict.
InputSpec describe_cuda_array(const std::string& name, const pybind11::dict& cai);
InputSpec describe_dltensor(const std::string& name, const dlpack::DLTensor& t);
// The DLPack device type of an object with __dlpack__ and __dlpack_device__, or -1 for any other object.
int dlpack_device_type(const pybind11::handle& obj);
// The feed's items in order; ArgumentError unless it is a dict with str keys.
std::vector<std::pair<std::string, pybind11::object>> feed_items(const pybind11::handle& feed);
// A value that is none of the above (a list, an object with __array__) as a numpy array; ArgumentError naming the
// input when numpy sees no numeric array in it.
pybind11::array as_numpy(const std::string& name, const pybind11::handle& value);

// _core.check_feed.
void bind_feed(pybind11::module_& m);

}  // namespace trtcore::bindings
