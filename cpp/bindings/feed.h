// What a Python object fed as an input is (element type, extents, host or device), read without converting or
// copying it: numpy arrays, __cuda_array_interface__ objects, DLPack objects (__dlpack__/__dlpack_device__).
// The executor's feed conversion (cuda_arrays.cpp) and _core.check_feed (the ONNX Runtime runner's validation)
// both read objects through read_fed, and both check them with the one validator (cpp/runtime/validate.h).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/validate.h"

namespace trtcore::bindings {

// One fed object as read: its description, where its data is and what keeps that data alive.
struct FedArray {
    FedArray(InputSpec s, pybind11::object o, const void* d = nullptr)
        : spec(std::move(s)), owner(std::move(o)), data(d) {}
    InputSpec spec;
    // Host: the numpy array (numpy arrays, DLPack CPU tensors and anything numpy views, in place). CUDA: the
    // __cuda_array_interface__ object, or a capsule owning the DLPack tensor.
    pybind11::object owner;
    const void* data = nullptr;          // CUDA arrays (host arrays: owner's data)
    std::uintptr_t producer_stream = 0;  // the CUDA Array Interface's stream; 0: none given
    bool contiguous = true;              // CUDA arrays: C-contiguous
    pybind11::object strides;            // CUDA arrays: the strides as given, for messages
};

// Reads `value` fed as input `name`. A CUDA DLPack object is asked for its capsule ordered before the stream
// `dlpack_stream()` returns (a cudaStream_t handle; -1: no ordering). ArgumentError naming the input for objects
// that hold no numeric array.
FedArray read_fed(const std::string& name, const pybind11::handle& value,
                  const std::function<long long()>& dlpack_stream);
// The feed's items in order; ArgumentError unless it is a dict with str keys.
std::vector<std::pair<std::string, pybind11::object>> feed_items(const pybind11::handle& feed);
// A numpy array's description; the type in words when trtcore has no name for it ("big-endian uint16").
InputSpec describe_numpy(const std::string& name, const pybind11::array& a);

// _core.check_feed.
void bind_feed(pybind11::module_& m);

}  // namespace trtcore::bindings
