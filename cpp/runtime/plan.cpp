#include "runtime/plan.h"

#include <algorithm>

#include "common/error.h"

namespace trtcore {

namespace {
std::string describe(const TensorInfo& t) {
    return "'" + t.name + "' (" + dtype_name(t.dtype) + " " + to_string(t.shape) + ")";
}

std::string names(const std::vector<TensorInfo>& tensors, TensorIO io) {
    std::string out;
    for (const auto& t : tensors) {
        if (t.io != io) continue;
        out += (out.empty() ? "" : ", ") + describe(t);
    }
    return out.empty() ? "none" : out;
}
}  // namespace

std::size_t Plan::index(const std::string& name) const {
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (tensors[i].name == name) return i;
    }
    std::string known;
    for (const auto& t : tensors) known += (known.empty() ? "" : ", ") + t.name;
    throw ArgumentError("no tensor named '" + name + "'; the tensors are: " + known);
}

const TensorInfo& find_tensor(const std::vector<TensorInfo>& tensors, const std::string& name) {
    for (const auto& t : tensors) {
        if (t.name == name) return t;
    }
    throw ArgumentError("unknown tensor '" + name + "'; the inputs are: " + names(tensors, TensorIO::kInput) +
                        "; the outputs are: " + names(tensors, TensorIO::kOutput));
}

void check_input_shape(const TensorInfo& info, const Shape& shape) {
    const std::string what = "input '" + info.name + "'";
    if (shape.size() != info.shape.size()) {
        throw ShapeError(what + ": expected " + std::to_string(info.shape.size()) + " dimensions " +
                         to_string(info.shape) + ", got " + std::to_string(shape.size()) + " " + to_string(shape));
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] < 0) throw ShapeError(what + ": negative extent in shape " + to_string(shape));
        if (info.shape[d] >= 0 && shape[d] != info.shape[d]) {
            throw ShapeError(what + ": dimension " + std::to_string(d) + " must be " + std::to_string(info.shape[d]) +
                             " (declared " + to_string(info.shape) + "), got " + to_string(shape));
        }
    }
}

Plan make_plan(ExecutionBackend& backend, const std::vector<InputSpec>& inputs) {
    const auto& tensors = backend.tensors();
    // Names first, so a typo is reported as a typo rather than as a missing input.
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto& spec = inputs[i];
        const auto it = std::find_if(tensors.begin(), tensors.end(),
                                     [&](const TensorInfo& t) { return t.name == spec.name; });
        if (it == tensors.end()) {
            throw ArgumentError("unknown input '" + spec.name + "'; the inputs are: " +
                                names(tensors, TensorIO::kInput));
        }
        if (it->io != TensorIO::kInput) {
            throw ArgumentError("'" + spec.name + "' is an output, not an input; the inputs are: " +
                                names(tensors, TensorIO::kInput));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (inputs[j].name == spec.name) throw ArgumentError("input '" + spec.name + "' is given twice");
        }
    }
    // Shapes are set for all inputs before any output is asked for: outputs may depend on every input.
    std::vector<const InputSpec*> given(tensors.size(), nullptr);
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& info = tensors[i];
        if (info.io != TensorIO::kInput) continue;
        const auto it = std::find_if(inputs.begin(), inputs.end(),
                                     [&](const InputSpec& s) { return s.name == info.name; });
        if (it == inputs.end()) {
            throw ArgumentError("missing input " + describe(info) + "; the inputs are: " +
                                names(tensors, TensorIO::kInput));
        }
        if (it->dtype != info.dtype) {
            throw DTypeError("input '" + info.name + "': expected " + dtype_name(info.dtype) + ", got " +
                             dtype_name(it->dtype) + " (arrays are not converted; cast with .astype)");
        }
        check_input_shape(info, it->shape);
        backend.set_input_shape(info.name, it->shape);
        given[i] = &*it;
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

std::vector<bool> buffers_to_grow(const Plan& plan, const std::vector<std::size_t>& capacities) {
    if (capacities.size() != plan.tensors.size()) {
        throw ArgumentError("buffers_to_grow: " + std::to_string(capacities.size()) + " capacities for " +
                            std::to_string(plan.tensors.size()) + " tensors");
    }
    std::vector<bool> grow(plan.tensors.size());
    for (std::size_t i = 0; i < grow.size(); ++i) grow[i] = capacities[i] == 0 || plan.tensors[i].bytes > capacities[i];
    return grow;
}

}  // namespace trtcore
