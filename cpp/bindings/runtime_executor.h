// Shared between the runtime binding files (runtime.cpp, runtime_executor.cpp); not part of bindings.h because
// only the runtime layer uses it.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>

#include "common/tensor.h"
#ifdef TRTCORE_WITH_CUDA
#include "cuda/buffer.h"
#endif

namespace trtcore::bindings {

// _core.Executor and _core.DeviceArray (nothing when CUDA is not compiled in).
void bind_executor(pybind11::module_& m);

#ifdef TRTCORE_WITH_CUDA
// A writable numpy array of `dtype` and `shape` over pinned memory; the array keeps the buffer alive.
pybind11::array pinned_view(const std::shared_ptr<cuda::PinnedBuffer>& buffer, const pybind11::dtype& dtype,
                            const Shape& shape);
#endif

}  // namespace trtcore::bindings
