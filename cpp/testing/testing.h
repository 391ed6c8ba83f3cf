// The parts of trtcore._testing, one per layer (module.cpp assembles them).
#pragma once

#include <pybind11/pybind11.h>

namespace trtcore::bindings::testing {

void bind_runtime(pybind11::module_& m);  // runtime.cpp: IdentityBackend, plan, cuda.*, roundtrip
void bind_image(pybind11::module_& m);    // image.cpp: the guide's reader/writer, the float16 conversions
void bind_gpu_ops(pybind11::module_& m);  // gpu_ops.cpp: the GPU image ops, the CPU resize and eval-transform plan
void bind_tensorrt(pybind11::module_& m);  // tensorrt.cpp: the profiler's TensorRT side, the library search folders

}  // namespace trtcore::bindings::testing
