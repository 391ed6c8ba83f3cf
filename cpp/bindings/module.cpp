#include "bindings/bindings.h"

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
