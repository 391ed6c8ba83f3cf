#include <pybind11/stl.h>

#include "bindings/bindings.h"
#include "common/trt_library.h"
#ifdef TRTCORE_WITH_CUDA
#include <cuda_runtime_api.h>

#include "cuda/device.h"
#endif
#ifdef TRTCORE_WITH_TENSORRT
#include "tensorrt/library_info.h"
#endif

namespace py = pybind11;

namespace trtcore::bindings {

namespace {
py::dict compiled() {
    py::dict d;
    d["version"] = TRTCORE_VERSION;
    d["compiler"] = TRTCORE_CXX_COMPILER;
    d["cxx_standard"] = static_cast<long>(__cplusplus);
#ifdef TRTCORE_WITH_CUDA
    d["cuda"] = std::to_string(CUDART_VERSION / 1000) + "." + std::to_string((CUDART_VERSION % 1000) / 10);
#else
    d["cuda"] = py::none();
#endif
#ifdef TRTCORE_WITH_TENSORRT
    d["tensorrt"] = trt::headers_version();
    d["tensorrt_major"] = trt::headers_major();
#else
    d["tensorrt"] = py::none();
    d["tensorrt_major"] = py::none();
#endif
    return d;
}

py::dict cuda_runtime() {
    py::dict d;
#ifdef TRTCORE_WITH_CUDA
    py::gil_scoped_release release;
    const auto info = cuda::query_driver();
    py::gil_scoped_acquire acquire;
    d["driver_version"] = info.driver_version;
    d["runtime_version"] = info.runtime_version;
    d["error"] = info.error.empty() ? py::object(py::none()) : py::object(py::str(info.error));
    py::list devices;
    for (const auto& dev : info.devices) {
        py::dict dd;
        dd["index"] = dev.index;
        dd["name"] = dev.name;
        dd["compute_capability"] = std::to_string(dev.compute_major) + "." + std::to_string(dev.compute_minor);
        dd["total_memory"] = dev.total_memory;
        dd["multiprocessors"] = dev.multiprocessors;
        devices.append(dd);
    }
    d["devices"] = devices;
#else
    d["driver_version"] = 0;
    d["runtime_version"] = 0;
    d["error"] = "CUDA support is not compiled into this build";
    d["devices"] = py::list();
#endif
    return d;
}

py::dict tensorrt_runtime(std::vector<int> majors) {
    TensorRTLibraryInfo info;
    {
        py::gil_scoped_release release;
        info = probe_tensorrt_library(majors);
    }
    py::dict d;
    d["found"] = info.found;
    d["path"] = info.found ? py::object(py::str(info.path)) : py::object(py::none());
    d["version"] = info.found ? py::object(py::str(std::to_string(info.major) + "." + std::to_string(info.minor) +
                                                  "." + std::to_string(info.patch)))
                              : py::object(py::none());
    d["tried"] = info.tried;
    return d;
}
}  // namespace

void bind_info(py::module_& m) {
    m.def("compiled_info", &compiled, "What this build of trtcore was compiled with.");
    m.def("cuda_runtime_info", &cuda_runtime, "CUDA driver and devices present now (never raises).");
    m.def("tensorrt_runtime_info", &tensorrt_runtime, py::arg("majors"),
          "Looks for libnvinfer.so.<major> for each major given (never raises).");
    m.def("tensorrt_search_folders", &tensorrt_search_folders);
    m.def("set_tensorrt_extra_folders", &set_tensorrt_extra_folders, py::arg("folders"));
}

}  // namespace trtcore::bindings
