#include "bindings/bindings.h"

namespace py = pybind11;

namespace trtcore::bindings {

void bind_tensorrt(py::module_& /*m*/) {}

}  // namespace trtcore::bindings
