// The planning step of an inference, pure C++ (no CUDA), so it is tested on machines without a GPU: given the
// arrays a user feeds, check them against the backend's declared inputs, set the input shapes, resolve every
// output's shape and compute every tensor's byte size; then say which buffers must grow.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "common/tensor.h"

namespace trtcore {

// What a user feeds for one input: its name, element type and extents (the data itself is not needed here).
struct InputSpec {
    std::string name;
    DataType dtype = DataType::kFloat32;
    Shape shape;
};

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

// Checks `inputs` against backend.tensors(): every input given exactly once, no unknown names (outputs named as
// inputs are called out as such), the declared dtype, rank and static dimensions. Then sets each input's shape
// on the backend (which may reject it, e.g. outside the optimization profile) and asks for each output's shape.
// Throws ArgumentError / DTypeError / ShapeError naming the tensor; nothing is allocated.
Plan make_plan(ExecutionBackend& backend, const std::vector<InputSpec>& inputs);

// Checks one input's shape against its declaration (rank, static dims, no negative extents).
void check_input_shape(const TensorInfo& info, const Shape& shape);

// The declared tensor called `name` (input or output); throws ArgumentError listing the names.
const TensorInfo& find_tensor(const std::vector<TensorInfo>& tensors, const std::string& name);

// For each planned tensor, whether a buffer holding `capacities[i]` bytes (0: none yet) must be (re)allocated.
std::vector<bool> buffers_to_grow(const Plan& plan, const std::vector<std::size_t>& capacities);

}  // namespace trtcore
