// A report's values by name, in order: what the executor's counters, the CUDA driver and devices, the TensorRT
// library probe and each dtype-table row say about themselves. The names are the ones Python sees: the bindings
// turn any Fields into a dict in one place (bindings.h as_dict).
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace trtcore {

// std::monostate: no value (Python's None).
using FieldValue = std::variant<std::monostate, bool, long long, double, std::string, std::vector<std::string>>;
using Fields = std::vector<std::pair<std::string, FieldValue>>;

}  // namespace trtcore
