// C++ errors become the trtcore.errors classes (defined in Python so they can also derive from ValueError,
// OSError, ...). One translator, registered by each extension module (trtcore._core, trtcore._testing).
#include <exception>

#include "bindings/bindings.h"
#include "common/error.h"

namespace py = pybind11;

namespace trtcore::bindings {

namespace {
[[noreturn]] void raise_as(const char* name, const std::exception& e) {
    py::object cls = py::module_::import("trtcore.errors").attr(name);
    PyErr_SetObject(cls.ptr(), py::str(e.what()).ptr());
    throw py::error_already_set();
}

// Most specific first.
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

void register_error_translator() { py::register_exception_translator(&translate); }

}  // namespace trtcore::bindings
