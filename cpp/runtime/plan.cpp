#include "runtime/plan.h"

#include <algorithm>

#include "common/error.h"

namespace trtcore {

std::size_t Plan::index(const std::string& name) const {
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (tensors[i].name == name) return i;
    }
    std::string known;
    for (const auto& t : tensors) known += (known.empty() ? "" : ", ") + t.name;
    throw ArgumentError("no tensor named '" + name + "'; the tensors are: " + known);
}

Plan make_plan(ExecutionBackend& backend, const std::vector<NamedArray>& inputs) {
    const auto& tensors = backend.tensors();
    check_feed(tensors, inputs, FeedCheck{false, std::nullopt});
    // Shapes are set for all inputs before any output is asked for: outputs may depend on every input.
    std::vector<const ArrayView*> given(tensors.size(), nullptr);
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& info = tensors[i];
        if (info.io != TensorIO::kInput) continue;
        const auto it = std::find_if(inputs.begin(), inputs.end(),
                                     [&](const NamedArray& s) { return s.name == info.name; });
        backend.set_input_shape(info.name, it->array.shape);
        given[i] = &it->array;
    }
    // The plan keeps the backend's order, so executors can index buffers by the backend's tensor index.
    Plan plan;
    plan.tensors.reserve(tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& info = tensors[i];
        const bool input = info.io == TensorIO::kInput;
        const std::string what = (input ? "input '" : "output '") + info.name + "'";
        Shape shape = input ? given[i]->shape : backend.output_shape(info.name);
        if (is_dynamic(shape)) {
            throw ShapeError(what + ": the backend could not resolve its shape " + to_string(shape) +
                             " from the input shapes (data-dependent output shapes are not supported)");
        }
        const std::size_t bytes = byte_size(shape, info.dtype, what);
        plan.tensors.push_back({info.name, info.io, info.dtype, std::move(shape), bytes});
    }
    return plan;
}

}  // namespace trtcore
