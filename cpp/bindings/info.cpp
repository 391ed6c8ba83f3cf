// Build and run-time facts (trtcore info): what was compiled in, the CUDA driver and devices, the TensorRT library.
#include <optional>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "common/trt_library.h"
#ifdef TRTCORE_WITH_CUDA
#include "cuda/device.h"
#endif
#ifdef TRTCORE_WITH_TENSORRT
#include "tensorrt/library_info.h"
#endif

using namespace pybind11::literals;

namespace trtcore::bindings {

namespace {
py::dict compiled() {
    std::optional<std::string> cuda, tensorrt;  // None: not compiled in
    std::optional<int> tensorrt_major;
#ifdef TRTCORE_WITH_CUDA
    cuda = cuda::compiled_version();
#endif
#ifdef TRTCORE_WITH_TENSORRT
    tensorrt = trt::headers_version();
    tensorrt_major = trt::headers_major();
#endif
    return py::dict("version"_a = TRTCORE_VERSION, "compiler"_a = TRTCORE_CXX_COMPILER,
                    "cxx_standard"_a = static_cast<long>(__cplusplus), "cuda"_a = cuda, "tensorrt"_a = tensorrt,
                    "tensorrt_major"_a = tensorrt_major);
}

py::dict cuda_runtime() {
#ifdef TRTCORE_WITH_CUDA
    const cuda::DriverInfo info = without_gil([] { return cuda::query_driver(); });
    py::dict out = as_dict(info.fields());
    py::list devices;
    for (const auto& dev : info.devices) devices.append(as_dict(dev.fields()));
    out["devices"] = devices;
    return out;
#else
    return py::dict("driver_version"_a = 0, "runtime_version"_a = 0,
                    "error"_a = "CUDA support is not compiled into this build", "devices"_a = py::list());
#endif
}
}  // namespace

void bind_info(py::module_& m) {
    m.def("compiled_info", &compiled);
    m.def("cuda_runtime_info", &cuda_runtime);
    m.def("tensorrt_runtime_info", [](const std::vector<int>& majors) {
        return as_dict(without_gil([&] { return probe_tensorrt_library(majors); }).fields());
    }, py::arg("majors"));
    m.def("set_tensorrt_extra_folders", &set_tensorrt_extra_folders, py::arg("folders"));
}

}  // namespace trtcore::bindings
