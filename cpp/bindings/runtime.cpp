#include "bindings/bindings.h"

namespace py = pybind11;

namespace trtcore::bindings {

void bind_runtime(py::module_& /*m*/) {}

}  // namespace trtcore::bindings
