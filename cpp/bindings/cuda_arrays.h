// Arrays across the Python boundary for the executor: feeds (numpy, __cuda_array_interface__, DLPack) into
// InputArrays, outputs into numpy arrays or DeviceArrays that torch/cupy/jax take without a copy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cuda/buffer.h"
#include "cuda/stream.h"
#include "runtime/device_array.h"
#include "runtime/executor.h"
#include "runtime/pending_runs.h"

namespace trtcore::bindings {

// A feed converted for Executor::run, with the Python objects the run reads.
struct Feed {
    std::vector<InputArray> arrays;
    // What the run reads: host arrays (and their contiguous copies) are copied into staging inside run(), so they
    // are needed only until it returns; CUDA arrays and DLPack owners are read by the GPU until the run completes.
    std::vector<pybind11::object> keep_host;
    std::vector<PendingRuns::Handle> keep_device;
};


// {name: array} → Feed, reading each object through bindings/feed.h. Host arrays (numpy, DLPack CPU tensors,
// anything numpy views) are used in place (non-contiguous ones copied once; with `cast`, one of another dtype is
// converted with astype); CUDA arrays must be C-contiguous, and their producer stream is waited on. The executor's
// run checks the result with the one validator (check_feed). Errors name the input.
Feed convert_feed(Executor& ex, const pybind11::object& obj, std::optional<cudaStream_t> stream, bool cast);

// out={name: numpy array} read for RunOptions::targets, with the arrays (held until the run returns).
struct OutTargets {
    std::vector<OutputTarget> targets;
    std::vector<std::pair<std::string, pybind11::object>> arrays;
    pybind11::object array(const std::string& name) const;
};
// None → none. ArgumentError naming out['name'] for what is not a C-contiguous, writable numpy array.
OutTargets output_targets(const pybind11::object& out);

// "cpu" | "cuda" → Location; ArgumentError otherwise.
Location parse_location(const std::string& device);

// DLPack export of `a` for a consumer on `stream` (None: the legacy default stream; -1: no ordering).
pybind11::object dlpack_capsule(const DeviceArray& a, const pybind11::object& stream);
// CUDA Array Interface v3 of `a`.
pybind11::dict cuda_array_interface(const DeviceArray& a);
// A writable numpy array of `dtype` and `shape` over pinned memory (sized for it); the array keeps the buffer alive.
pybind11::array pinned_view(const std::shared_ptr<cuda::PinnedBuffer>& buffer, const pybind11::dtype& dtype,
                            const Shape& shape);
// One output as a numpy array (owned copy or pinned staging view) or a DeviceArray.
pybind11::object to_python(const OutputArray& o, const std::shared_ptr<cuda::Event>& ready, cudaStream_t stream);

}  // namespace trtcore::bindings
