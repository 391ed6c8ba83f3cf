// The planning step of an inference, pure C++ (no CUDA), so it is tested on machines without a GPU: given the
// arrays a user feeds, check them against the backend's declared inputs, set the input shapes, resolve every
// output's shape and compute every tensor's byte size; then say which buffers must grow.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/tensor.h"
#include "runtime/backend.h"
#include "runtime/validate.h"

namespace trtcore {

struct TensorPlan {
    std::string name;
    TensorIO io = TensorIO::kInput;
    DataType dtype = DataType::kFloat32;
    Shape shape;             // fully resolved
    std::size_t bytes = 0;
};

struct Plan {
    std::vector<TensorPlan> tensors;  // the backend's order (tensors())

    // Index of `name` in tensors; throws ArgumentError listing the known names.
    std::size_t index(const std::string& name) const;
};

// Checks `inputs` against backend.tensors() with check_feed (the one validator; the backend checks its own
// optimization profile). Then sets each input's shape on the backend and asks for each output's shape.
// Throws ArgumentError / DTypeError / ShapeError naming the tensor; nothing is allocated.
Plan make_plan(ExecutionBackend& backend, const std::vector<NamedArray>& inputs);

}  // namespace trtcore
