// The pybind11 module trtcore._core is assembled from one bind_* function per layer. Glue only: argument
// conversion, GIL release, lifetimes. Logic belongs in cpp/<layer>/ or in python/trtcore/. Every binding file
// includes this header, so all of them see the same type casters (pybind11/stl.h).
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <utility>

#include "common/fields.h"

namespace trtcore::bindings {

namespace py = pybind11;

// f() without the GIL (C++ work that touches no Python object, so that other Python threads run meanwhile).
template <typename F>
auto without_gil(F&& f) {
    pybind11::gil_scoped_release release;
    return f();
}

// A capsule owning `value` (a numpy array's base): `value` is destroyed with the capsule.
template <typename T>
pybind11::capsule owning_capsule(T value) {
    auto held = std::make_unique<T>(std::move(value));
    pybind11::capsule capsule(held.get(), [](void* p) { std::unique_ptr<T>(static_cast<T*>(p)); });
    held.release();  // the capsule's now
    return capsule;
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
