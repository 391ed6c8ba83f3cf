// trtcore._testing: what only tests and benchmarks use (a backend without TensorRT with failure hooks, the bare
// copy baseline of the runtime benchmark, direct access to C++ helpers the tests check against numpy), kept out of
// the shipped trtcore._core. Glue only, like _core.
#include "bindings/bindings.h"
#include "testing/testing.h"

PYBIND11_MODULE(_testing, m) {
    m.doc() = "Test and benchmark hooks for trtcore's C++ core (not an API)";
    // The types these functions take or derive from (ExecutionBackend, TensorInfo) are registered by _core.
    pybind11::module_::import("trtcore._core");
    trtcore::bindings::register_error_translator();
    trtcore::bindings::testing::bind_runtime(m);
    trtcore::bindings::testing::bind_image(m);
    trtcore::bindings::testing::bind_gpu_ops(m);
    trtcore::bindings::testing::bind_tensorrt(m);
}
