// trtcore._core is assembled from one bind_* function per layer (module.cpp). Glue only: argument conversion, GIL
// release, lifetimes; logic belongs in cpp/<layer>/ or in python/trtcore/. Every binding file (and trtcore._testing's)
// includes this header: the same type casters, and the one reader of arrays handed in.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/array.h"
#include "common/error.h"
#include "common/fields.h"
#include "runtime/validate.h"

namespace trtcore::bindings {

namespace py = pybind11;
using namespace pybind11::literals;

// f() without the GIL (C++ work that touches no Python object, so that other Python threads run meanwhile).
template <typename F>
auto without_gil(F&& f) {
    py::gil_scoped_release release;
    return f();
}

// f as a Python callable run without the GIL (its arguments and result are converted with the GIL held).
template <typename F>
py::cpp_function nogil(F&& f) {
    return py::cpp_function(std::forward<F>(f), py::call_guard<py::gil_scoped_release>());
}

// A capsule owning `value` (a numpy array's base): `value` is destroyed with the capsule.
template <typename T>
py::capsule owning_capsule(T value) {
    auto held = std::make_unique<T>(std::move(value));
    py::capsule capsule(held.get(), [](void* p) { std::unique_ptr<T>(static_cast<T*>(p)); });
    held.release();  // the capsule's now
    return capsule;
}

// A C++ report (common/fields.h) as a dict, in its order (std::monostate: None).
inline py::dict as_dict(const Fields& fields) {
    py::dict d;
    for (const auto& [name, value] : fields) d[py::str(name)] = py::cast(value);
    return d;
}
inline py::tuple shape_tuple(const Shape& s) { return py::tuple(py::cast(s)); }

// The bytes of a contiguous bytes-like object (bytes, bytearray, memoryview, numpy array), valid while `info`
// lives; ArgumentError "<what> must be contiguous bytes (...)" otherwise.
inline std::pair<const void*, std::size_t> byte_view(const py::buffer_info& info, const std::string& what) {
    if (info.ndim > 1 || (info.ndim == 1 && info.strides[0] != info.itemsize)) {
        throw ArgumentError(what + " must be contiguous bytes (bytes, bytearray, memoryview)");
    }
    return {info.ptr, static_cast<std::size_t>(info.size * info.itemsize)};
}

// trtcore::Error raises the trtcore.errors class its kind() names (Python classes, so they also derive from
// ValueError, OSError, ...). Each extension module registers it.
inline void register_error_translator() {
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const Error& e) {
            PyErr_SetObject(py::module_::import("trtcore.errors").attr(e.kind()).ptr(), py::str(e.what()).ptr());
        }
    });
}

// numpy's dtype for `type`; DTypeError naming `what` when numpy has none (bfloat16/fp8 without ml_dtypes).
py::dtype numpy_dtype(DataType type, const std::string& what);
// A numpy array as the C++ layers check it, in place.
ArrayView array_view(const py::array& a);
// One fed object read in place, and what keeps its data alive: the numpy array (numpy arrays, DLPack CPU tensors,
// what numpy views), the __cuda_array_interface__ object, or a capsule owning the DLPack tensor, asked for it ordered
// before the stream consumer() returns (none: unordered). ArgumentError naming `name` for non-numeric objects.
struct FedArray {
    NamedArray in;
    py::object owner;
};
FedArray read_fed(const std::string& name, const py::handle& value, const std::function<void*()>& consumer = {});
std::string type_name(const py::handle& obj);  // "ndarray", for messages
// The items of a dict with str keys, in order; ArgumentError "<not_dict>, got <type>" for anything else, or
// "<bad_key>, got <key>" for a key that is not a str. feed_items: the feed's, {input name: array}.
using Items = std::vector<std::pair<std::string, py::object>>;
Items str_items(const py::handle& dict, const std::string& not_dict, const std::string& bad_key);
Items feed_items(const py::handle& feed);

void bind_vocabulary(py::module_& m);  // TensorInfo, the dtype table, FeedChecker
void bind_image(py::module_& m);       // PPM/PGM, normalize, argmax, colorize, softmax, top-k
void bind_runtime(py::module_& m);     // the execution backend, the executor, device arrays
void bind_tensorrt(py::module_& m);    // engine, execution, builder (TensorRT compiled in)
void bind_pipeline(py::module_& m);    // the GPU pipeline (GPU kernels compiled in)

}  // namespace trtcore::bindings

// An ArrayView argument: what a py::array argument takes, read by array_view and kept alive through the call.
template <>
struct pybind11::detail::type_caster<trtcore::ArrayView> {
    PYBIND11_TYPE_CASTER(trtcore::ArrayView, const_name("numpy.ndarray"));
    bool load(handle src, bool convert) {
        if (!convert && !isinstance<array>(src)) return false;
        array_ = array::ensure(src);
        if (array_) value = trtcore::bindings::array_view(array_);
        PyErr_Clear();
        return static_cast<bool>(array_);
    }

private:
    array array_;
};
