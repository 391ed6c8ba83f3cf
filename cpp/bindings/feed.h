// What a Python object fed as an input is, read without converting or copying it: numpy arrays,
// __cuda_array_interface__ objects, DLPack objects (__dlpack__/__dlpack_device__). The executor (runtime.cpp) and
// _core.FeedChecker (host backends) both read feeds here and check them with the one validator
// (cpp/runtime/validate.h).
#pragma once

#include <pybind11/pybind11.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/validate.h"

namespace trtcore::bindings {

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
// The feed's items in order; ArgumentError unless it is a dict with str keys.
std::vector<std::pair<std::string, pybind11::object>> feed_items(const pybind11::handle& feed);

}  // namespace trtcore::bindings
