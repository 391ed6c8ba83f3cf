// The pybind11 module trtcore._core is assembled from one bind_* function per layer. Glue only: argument
// conversion, GIL release, lifetimes. Logic belongs in cpp/<layer>/ or in python/trtcore/.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "common/fields.h"

namespace trtcore::bindings {

// f() without the GIL (C++ work that touches no Python object, so that other Python threads run meanwhile).
template <typename F>
auto without_gil(F&& f) {
    pybind11::gil_scoped_release release;
    return f();
}

// A C++ report (common/fields.h) as a dict, in its order (std::monostate: None).
inline pybind11::dict as_dict(const Fields& fields) {
    pybind11::dict d;
    for (const auto& [name, value] : fields) d[pybind11::str(name)] = pybind11::cast(value);
    return d;
}

// errors.cpp: trtcore::Error and its subclasses raise the trtcore.errors classes (every extension module calls it).
void register_error_translator();

void bind_vocabulary(pybind11::module_& m);  // vocabulary.cpp: TensorInfo, the dtype table, FeedChecker
void bind_info(pybind11::module_& m);       // info.cpp: build and run-time facts
void bind_image(pybind11::module_& m);      // image.cpp: PPM/PGM, normalize, argmax, colorize
void bind_runtime(pybind11::module_& m);    // runtime.cpp: CUDA streams/buffers, planning, the executor
void bind_tensorrt(pybind11::module_& m);   // tensorrt.cpp: engine, execution, builder (TensorRT compiled in)
void bind_pipeline(pybind11::module_& m);   // pipeline.cpp: the GPU pipeline (GPU kernels compiled in)

}  // namespace trtcore::bindings
