// See feed.h.
#include "bindings/feed.h"

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
    FedArray fed{dlpack::describe_cuda_array(name, cai["typestr"].cast<std::string>(), cai["shape"].cast<Shape>()),
                 py::reinterpret_borrow<py::object>(obj)};
    if (cai.contains("mask") && !cai["mask"].is_none()) {
        throw ArgumentError("input '" + name + "': masked CUDA arrays are not supported");
    }
    fed.data = reinterpret_cast<const void*>(cai["data"].cast<py::tuple>()[0].cast<std::uintptr_t>());
    if (cai.contains("stream") && !cai["stream"].is_none()) fed.producer_stream = cai["stream"].cast<std::uintptr_t>();
    if (fed.spec.dtype && cai.contains("strides") && !cai["strides"].is_none()) {
        fed.strides = cai["strides"];
        fed.contiguous = dlpack::is_c_contiguous_bytes(fed.spec.shape, fed.strides.cast<std::vector<int64_t>>(),
                                                       *fed.spec.dtype);
    }
    return fed;
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
    const auto& t = managed->dl_tensor;
    FedArray fed{dlpack::describe(name, t), owner, static_cast<const char*>(t.data) + t.byte_offset};
    fed.contiguous = dlpack::is_c_contiguous(fed.spec.shape, t.strides);
    if (!fed.contiguous) fed.strides = py::cast(std::vector<int64_t>(t.strides, t.strides + t.ndim));
    return fed;
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
}  // namespace

InputSpec describe_numpy(const std::string& name, const py::array& a) {
    InputSpec spec{name, dtype_of(a), Shape(a.shape(), a.shape() + a.ndim()), Location::kHost, ""};
    if (!spec.dtype) {
        const py::dtype dt = a.dtype();
        const std::string type = py::str(dt.attr("name"));
        spec.type = py::str(dt.attr("byteorder")).cast<std::string>() == ">" ? "big-endian " + type : type;
    }
    return spec;
}

FedArray read_fed(const std::string& name, const py::handle& value, const std::function<long long()>& dlpack_stream) {
    py::array host;
    if (py::isinstance<py::array>(value)) {
        host = py::reinterpret_borrow<py::array>(value);
    } else if (py::hasattr(value, "__cuda_array_interface__")) {
        return read_cuda_array_interface(name, value);
    } else if (py::hasattr(value, "__dlpack__") && py::hasattr(value, "__dlpack_device__")) {
        const int device = value.attr("__dlpack_device__")().cast<py::tuple>()[0].cast<int>();
        if (device == dlpack::kDLCUDA || device == dlpack::kDLCUDAManaged) {
            return read_dlpack(name, value, dlpack_stream());
        }
        host = py::module_::import("numpy").attr("from_dlpack")(value);  // in host memory: numpy views it in place
    } else {
        host = as_numpy(name, value);
    }
    return FedArray{describe_numpy(name, host), host};
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
// The feed's descriptions for checking only (-1: a DLPack object is asked for its header, unordered). `in_place`:
// whether every value is a numpy.ndarray (not a subclass) in C order, i.e. what a host backend takes as it is.
std::vector<InputSpec> read_specs(const py::handle& feed, bool& in_place) {
    static const py::handle ndarray = py::object(py::module_::import("numpy").attr("ndarray")).release();
    std::vector<InputSpec> specs;
    in_place = true;
    for (const auto& [name, value] : feed_items(feed)) {
        in_place = in_place && py::type::handle_of(value).is(ndarray) &&
                   (py::reinterpret_borrow<py::array>(value).flags() & py::array::c_style);
        specs.push_back(read_fed(name, value, [] { return -1LL; }).spec);
    }
    return specs;
}

// check_feed on the feed as read: the names of the host inputs to convert; None instead of no names when
// `none_in_place` and the feed is what a host backend takes as it is.
py::object checked(const std::vector<TensorInfo>& inputs, const py::handle& feed, std::optional<std::size_t> profile,
                   bool cast, bool none_in_place) {
    bool in_place = false;
    const auto specs = read_specs(feed, in_place);
    const auto to_cast = check_feed(inputs, specs, FeedCheck{cast, profile});
    if (none_in_place && in_place && to_cast.empty()) return py::none();
    py::list names;
    for (const auto i : to_cast) names.append(specs[i].name);
    return names;
}

// The inputs and profile a host backend checks every feed against, converted to C++ once (at activation).
struct FeedChecker {
    std::vector<TensorInfo> inputs;
    std::optional<std::size_t> profile;
};
}  // namespace

void bind_feed(py::module_& m) {
    m.def("check_feed", [](const std::vector<TensorInfo>& inputs, const py::object& feed,
                           std::optional<std::size_t> profile, bool cast) {
              return checked(inputs, feed, profile, cast, false);
          },
          py::arg("inputs"), py::arg("feed"), py::arg("profile") = 0, py::arg("cast") = false,
          "Checks a feed {name: numpy array | DLPack | __cuda_array_interface__ object} against `inputs` (names, "
          "dtypes, shapes, optimization `profile`; None: no profile check) without converting it; raises "
          "ArgumentError / DTypeError / ShapeError naming the tensor. Returns the names of the host inputs to convert "
          "to their declared dtype (only with cast=True; device inputs of another dtype are refused).");

    py::class_<FeedChecker>(m, "FeedChecker",
                            "check_feed against inputs converted once: a host backend makes one at activation.")
        .def(py::init<std::vector<TensorInfo>, std::optional<std::size_t>>(), py::arg("inputs"),
             py::arg("profile") = 0)
        .def_readonly("inputs", &FeedChecker::inputs)
        .def("check", [](const FeedChecker& c, const py::object& feed, bool cast) {
                 return checked(c.inputs, feed, c.profile, cast, true);
             },
             py::arg("feed"), py::arg("cast") = false,
             "check_feed(inputs, feed, profile, cast), except that it returns None when the feed needs no work "
             "on the host (every value a C-contiguous numpy.ndarray of the declared dtype).");
}

}  // namespace trtcore::bindings
