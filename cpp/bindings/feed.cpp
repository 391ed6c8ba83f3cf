// See feed.h.
#include "bindings/feed.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings/vocabulary.h"
#include "common/error.h"
#include "runtime/dlpack.h"

namespace py = pybind11;

namespace trtcore::bindings {

namespace {
std::string type_name(const py::handle& obj) { return py::str(py::type::of(obj).attr("__name__")); }

FedArray read_cuda_array_interface(const std::string& name, const py::handle& obj) {
    const py::dict cai = obj.attr("__cuda_array_interface__");
    const auto optional = [&](const char* key) { return cai.attr("get")(key); };  // None when not given
    const dlpack::CudaArrayInterface fields{cai["typestr"].cast<std::string>(), cai["shape"].cast<Shape>(),
                                            cai["data"].cast<py::tuple>()[0].cast<std::uintptr_t>(),
                                            optional("stream").cast<std::optional<std::uintptr_t>>(),
                                            optional("strides").cast<std::optional<std::vector<int64_t>>>(),
                                            !optional("mask").is_none()};
    return {dlpack::read_cuda_array(name, fields), py::reinterpret_borrow<py::object>(obj)};
}

FedArray read_dlpack(const std::string& name, const py::handle& obj, long long stream) {
    // The producer orders its pending writes before our stream (DLPack: 0 is ambiguous, 1 is the legacy stream).
    py::object capsule = obj.attr("__dlpack__")(py::arg("stream") = stream == 0 ? 1 : stream);
    auto* managed = static_cast<dlpack::DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
    if (managed == nullptr) {
        PyErr_Clear();
        throw ArgumentError("input '" + name + "': __dlpack__() did not return a 'dltensor' capsule");
    }
    PyCapsule_SetName(capsule.ptr(), "used_dltensor");  // ours now: the producer must not free it
    const py::capsule owner(managed, [](void* p) {
        dlpack::ManagedTensorDeleter()(static_cast<dlpack::DLManagedTensor*>(p));
    });
    return {dlpack::read(name, managed->dl_tensor), owner};
}

py::array as_numpy(const std::string& name, const py::handle& value) {
    py::array arr = py::array::ensure(value);  // lists, objects with __array__: anything numpy can view
    if (!arr || arr.dtype().kind() == 'O') {
        PyErr_Clear();
        throw ArgumentError("input '" + name + "': expected an array (numpy, or an object with __dlpack__ or "
                            "__cuda_array_interface__), got " + type_name(value));
    }
    return arr;
}

// The type in words when trtcore has no name for it ("big-endian uint16").
FedArray read_numpy(const std::string& name, const py::array& a) {
    FedArray fed{{{name, dtype_of(a), Shape(a.shape(), a.shape() + a.ndim()), Location::kHost, ""}, a.data()}, a};
    if (!fed.in.spec.dtype) {
        const py::dtype dt = a.dtype();
        const std::string type = py::str(dt.attr("name"));
        fed.in.spec.type = py::str(dt.attr("byteorder")).cast<std::string>() == ">" ? "big-endian " + type : type;
    }
    fed.in.contiguous = (a.flags() & py::array::c_style) != 0;
    return fed;
}
}  // namespace

FedArray read_fed(const std::string& name, const py::handle& value, const std::function<long long()>& dlpack_stream) {
    if (py::isinstance<py::array>(value)) return read_numpy(name, py::reinterpret_borrow<py::array>(value));
    if (py::hasattr(value, "__cuda_array_interface__")) return read_cuda_array_interface(name, value);
    if (py::hasattr(value, "__dlpack__") && py::hasattr(value, "__dlpack_device__")) {
        const int device = value.attr("__dlpack_device__")().cast<py::tuple>()[0].cast<int>();
        if (device == dlpack::kDLCUDA || device == dlpack::kDLCUDAManaged) {
            return read_dlpack(name, value, dlpack_stream());
        }
        // In host memory: numpy views it in place.
        return read_numpy(name, py::module_::import("numpy").attr("from_dlpack")(value));
    }
    return read_numpy(name, as_numpy(name, value));
}

std::vector<std::pair<std::string, py::object>> feed_items(const py::handle& feed) {
    if (!py::isinstance<py::dict>(feed)) {
        throw ArgumentError("the feed must be a dict {input name: array}, got " + type_name(feed));
    }
    std::vector<std::pair<std::string, py::object>> items;
    for (const auto& [key, value] : py::reinterpret_borrow<py::dict>(feed)) {
        if (!py::isinstance<py::str>(key)) {
            throw ArgumentError("feed keys must be input names (str), got " + py::repr(key).cast<std::string>());
        }
        items.emplace_back(key.cast<std::string>(), py::reinterpret_borrow<py::object>(value));
    }
    return items;
}

namespace {
// The inputs and profile a host backend checks every feed against, converted to C++ once (at activation).
struct FeedChecker {
    std::vector<TensorInfo> inputs;
    std::optional<std::size_t> profile;

    // check_feed on the feed as read (-1: a DLPack object is asked for its header, unordered): the names of the
    // host inputs to convert; None when every value is a C-contiguous numpy.ndarray (not a subclass) of the
    // declared dtype, i.e. what a host backend takes as it is.
    py::object check(const py::handle& feed, bool cast) const {
        static const py::handle ndarray = py::object(py::module_::import("numpy").attr("ndarray")).release();
        std::vector<InputSpec> specs;
        bool in_place = true;
        for (const auto& [name, value] : feed_items(feed)) {
            FedArray fed = read_fed(name, value, [] { return -1LL; });
            in_place = in_place && py::type::handle_of(value).is(ndarray) && fed.in.contiguous;
            specs.push_back(std::move(fed.in.spec));
        }
        const auto to_cast = check_feed(inputs, specs, FeedCheck{cast, profile});
        if (in_place && to_cast.empty()) return py::none();
        py::list names;
        for (const auto i : to_cast) names.append(specs[i].name);
        return names;
    }
};
}  // namespace

void bind_feed(py::module_& m) {
    py::class_<FeedChecker>(m, "FeedChecker",
                            "The one validator (cpp/runtime/validate.h) against inputs converted once: a host backend "
                            "makes one at activation.")
        .def(py::init<std::vector<TensorInfo>, std::optional<std::size_t>>(), py::arg("inputs"),
             py::arg("profile") = 0)
        .def_readonly("inputs", &FeedChecker::inputs)
        .def("check", &FeedChecker::check, py::arg("feed"), py::arg("cast") = false,
             "Checks a feed {name: numpy array | DLPack | __cuda_array_interface__ object} against the inputs "
             "(names, dtypes, shapes, optimization `profile`; None: no profile check) without converting it; raises "
             "ArgumentError / DTypeError / ShapeError naming the tensor. Returns the names of the host inputs to "
             "convert to their declared dtype (only with cast=True; device inputs of another dtype are refused), or "
             "None when the feed needs no work on the host (every value a C-contiguous numpy.ndarray of the "
             "declared dtype).");
}

}  // namespace trtcore::bindings
