// The TensorRT layer's test hooks: TensorRT's side of the per-layer profiler (what libnvinfer calls, through the
// IProfiler vtable at profiler_address), and where the loader looks for the TensorRT libraries.
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "testing/testing.h"
#include "common/trt_library.h"
#ifdef TRTCORE_WITH_TENSORRT
#include "tensorrt/profiler.h"
#endif

namespace py = pybind11;

namespace trtcore::bindings::testing {

void bind_tensorrt(py::module_& m) {
    m.def("tensorrt_search_folders", &tensorrt_search_folders);
#ifdef TRTCORE_WITH_TENSORRT
    using trt::LayerProfiler;
    // _core.LayerProfiler objects (registered by _core).
    m.def("report_layer", [](LayerProfiler& p, const std::string& layer, float ms) { p.report(layer.c_str(), ms); },
          py::arg("profiler"), py::arg("layer"), py::arg("ms"));
    m.def("reset_profiler", [](LayerProfiler& p) { p.reset(); }, py::arg("profiler"));
    m.def("profiler_address", [](const LayerProfiler& p) { return reinterpret_cast<std::uintptr_t>(p.native()); },
          py::arg("profiler"));
#endif
}

}  // namespace trtcore::bindings::testing
