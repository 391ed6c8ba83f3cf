// trtcore._core: one bind_* per layer, and the build and run-time facts of `trtcore info` (what was compiled in,
// the CUDA driver and devices, the TensorRT library).
#include "bindings/bindings.h"
#include "common/trt_library.h"
#ifdef TRTCORE_WITH_CUDA
#include "cuda/device.h"
#endif
#ifdef TRTCORE_WITH_TENSORRT
#include "tensorrt/library_info.h"
#endif

namespace trtcore::bindings {
void bind_info(py::module_& m) {
    m.def("compiled_info", [] {
        py::dict d("version"_a = TRTCORE_VERSION, "compiler"_a = TRTCORE_CXX_COMPILER,
                   "cxx_standard"_a = static_cast<long>(__cplusplus), "cuda"_a = py::none(), "tensorrt"_a = py::none(),
                   "tensorrt_major"_a = py::none());  // None: not compiled in
#ifdef TRTCORE_WITH_CUDA
        d["cuda"] = cuda::compiled_version();
#endif
#ifdef TRTCORE_WITH_TENSORRT
        d["tensorrt"] = trt::headers_version();
        d["tensorrt_major"] = trt::headers_major();
#endif
        return d;
    });
    m.def("cuda_runtime_info", [] {
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
    });
    m.def("tensorrt_runtime_info", [](const std::vector<int>& majors) {
        return as_dict(without_gil([&] { return probe_tensorrt_library(majors); }).fields());
    }, "majors"_a);
    m.def("set_tensorrt_extra_folders", &set_tensorrt_extra_folders, "folders"_a);
}

}  // namespace trtcore::bindings

PYBIND11_MODULE(_core, m) {
    m.doc() = "trtcore's C++ core (use the trtcore package, not this module)";
    trtcore::bindings::register_error_translator();
    trtcore::bindings::bind_vocabulary(m);
    trtcore::bindings::bind_info(m);
    trtcore::bindings::bind_image(m);
    trtcore::bindings::bind_runtime(m);
    trtcore::bindings::bind_tensorrt(m);
#ifdef TRTCORE_WITH_CUDA_KERNELS
    trtcore::bindings::bind_pipeline(m);
#endif
}
