// The one tensor vocabulary (common/tensor.h) on the Python side: numpy dtypes for trtcore::DataType and back, and
// the one reader of arrays handed in, without converting or copying them: numpy arrays as ArrayViews (the image
// ops), and any fed object (numpy arrays, DLPack objects, __cuda_array_interface__ objects) as a FedInput, which
// the executor (runtime.cpp) and _core.FeedChecker (host backends) check with the one validator (runtime/validate.h).
#pragma once

#include <pybind11/numpy.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/array.h"
#include "common/tensor.h"
#include "runtime/validate.h"

namespace trtcore::bindings {

// numpy's dtype for `type`; DTypeError naming `what` when numpy has none (bfloat16/fp8 without ml_dtypes).
pybind11::dtype numpy_dtype(DataType type, const std::string& what);
// A numpy array as the C++ layers check it (common/array.h), in place: its type in numpy's words when trtcore has
// no name for it (">f4").
ArrayView array_view(const pybind11::array& a);

// One fed object as read, and what keeps its data alive. Host: the numpy array (numpy arrays, DLPack CPU tensors
// and anything numpy views, in place). CUDA: the __cuda_array_interface__ object, or a capsule owning the DLPack
// tensor.
struct FedArray {
    FedInput in;
    pybind11::object owner;
};
// Reads `value` fed as input `name`. A CUDA DLPack object is asked for its capsule ordered before the stream
// `dlpack_stream()` returns (a cudaStream_t handle; -1: no ordering). ArgumentError naming the input for objects
// that hold no numeric array.
FedArray read_fed(const std::string& name, const pybind11::handle& value,
                  const std::function<long long()>& dlpack_stream);
// The type's name of `obj`, for messages ("ndarray").
std::string type_name(const pybind11::handle& obj);
// The items of a dict with str keys, in order; ArgumentError "<not_dict>, got <type>" for anything else, or
// "<bad_key>, got <key>" for a key that is not a str.
using Items = std::vector<std::pair<std::string, pybind11::object>>;
Items str_items(const pybind11::handle& dict, const std::string& not_dict, const std::string& bad_key);
// The feed's items in order; ArgumentError unless it is a dict with str keys.
Items feed_items(const pybind11::handle& feed);

}  // namespace trtcore::bindings
