// C++ errors become the trtcore.errors classes of their kind() (defined in Python so they can also derive from
// ValueError, OSError, ...). One translator, registered by each extension module (trtcore._core, trtcore._testing).
#include <exception>

#include "bindings/bindings.h"
#include "common/error.h"

namespace trtcore::bindings {

namespace {
void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const trtcore::Error& e) {
        const py::object cls = py::module_::import("trtcore.errors").attr(e.kind());
        PyErr_SetObject(cls.ptr(), py::str(e.what()).ptr());
        throw py::error_already_set();
    }
}
}  // namespace

void register_error_translator() { py::register_exception_translator(&translate); }

}  // namespace trtcore::bindings
