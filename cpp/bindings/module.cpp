#include <exception>

#include "bindings/bindings.h"
#include "common/error.h"

namespace py = pybind11;

namespace {
// C++ errors become the trtcore.errors classes (defined in Python so they can also derive from ValueError,
// OSError, ...). Most specific first.
[[noreturn]] void raise_as(const char* name, const std::exception& e) {
    py::object cls = py::module_::import("trtcore.errors").attr(name);
    PyErr_SetObject(cls.ptr(), py::str(e.what()).ptr());
    throw py::error_already_set();
}

void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const trtcore::FormatError& e) { raise_as("FormatError", e);
    } catch (const trtcore::FileError& e) { raise_as("FileError", e);
    } catch (const trtcore::ShapeError& e) { raise_as("ShapeError", e);
    } catch (const trtcore::DTypeError& e) { raise_as("DTypeError", e);
    } catch (const trtcore::ArgumentError& e) { raise_as("ArgumentError", e);
    } catch (const trtcore::CudaOutOfMemory& e) { raise_as("CudaOutOfMemory", e);
    } catch (const trtcore::CudaError& e) { raise_as("CudaError", e);
    } catch (const trtcore::TensorRTNotFound& e) { raise_as("TensorRTNotFound", e);
    } catch (const trtcore::BuildError& e) { raise_as("BuildError", e);
    } catch (const trtcore::TensorRTError& e) { raise_as("TensorRTError", e);
    } catch (const trtcore::Error& e) { raise_as("Error", e);
    }
}
}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "trtcore's C++ core (use the trtcore package, not this module)";
    py::register_exception_translator(&translate);
    trtcore::bindings::bind_vocabulary(m);
    trtcore::bindings::bind_feed(m);
    trtcore::bindings::bind_info(m);
    trtcore::bindings::bind_image(m);
    trtcore::bindings::bind_runtime(m);
    trtcore::bindings::bind_tensorrt(m);
}
