// See feed.h.
#include "bindings/feed.h"

#include <pybind11/stl.h>

#include "bindings/vocabulary.h"
#include "common/error.h"

namespace py = pybind11;

namespace trtcore::bindings {

InputSpec describe_numpy(const std::string& name, const py::array& a) {
    InputSpec spec{name, dtype_of(a), Shape(a.shape(), a.shape() + a.ndim()), Location::kHost, ""};
    if (!spec.dtype) {
        const py::dtype dt = a.dtype();
        const std::string type = py::str(dt.attr("name"));
        spec.type = py::str(dt.attr("byteorder")).cast<std::string>() == ">" ? "big-endian " + type : type;
    }
    return spec;
}

InputSpec describe_cuda_array(const std::string& name, const py::dict& cai) {
    const auto ts = cai["typestr"].cast<std::string>();
    InputSpec spec{name, dtype_from_typestr(ts), cai["shape"].cast<Shape>(), Location::kDevice, ""};
    if (!spec.dtype) spec.type = "typestr '" + ts + "'";
    return spec;
}

InputSpec describe_dltensor(const std::string& name, const dlpack::DLTensor& t) {
    const auto type = t.device.device_type;
    const bool device = type == dlpack::kDLCUDA || type == dlpack::kDLCUDAManaged;
    InputSpec spec{name, dlpack::from_dlpack(t.dtype), Shape(t.shape, t.shape + t.ndim),
                   device ? Location::kDevice : Location::kHost, ""};
    if (!spec.dtype) {
        spec.type = "DLPack type (code " + std::to_string(t.dtype.code) + ", " + std::to_string(t.dtype.bits) +
                    " bits, " + std::to_string(t.dtype.lanes) + " lanes)";
    }
    return spec;
}

int dlpack_device_type(const py::handle& obj) {
    if (!py::hasattr(obj, "__dlpack__") || !py::hasattr(obj, "__dlpack_device__")) return -1;
    return obj.attr("__dlpack_device__")().cast<py::tuple>()[0].cast<int>();
}

std::vector<std::pair<std::string, py::object>> feed_items(const py::handle& feed) {
    if (!py::isinstance<py::dict>(feed)) {
        throw ArgumentError("the feed must be a dict {input name: array}, got " +
                            py::str(py::type::of(feed).attr("__name__")).cast<std::string>());
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

py::array as_numpy(const std::string& name, const py::handle& value) {
    py::array arr = py::array::ensure(value);  // lists, objects with __array__: anything numpy can view
    if (!arr || arr.dtype().kind() == 'O') {
        PyErr_Clear();
        throw ArgumentError("input '" + name + "': expected an array (numpy, or an object with __dlpack__ or "
                            "__cuda_array_interface__), got " +
                            py::str(py::type::of(value).attr("__name__")).cast<std::string>());
    }
    return arr;
}

namespace {
// One fed object's description. A DLPack object is asked for a capsule (no copy; stream -1: no ordering needed to
// read the header), which is released unconsumed.
InputSpec describe_object(const std::string& name, const py::handle& value) {
    if (py::isinstance<py::array>(value)) return describe_numpy(name, py::reinterpret_borrow<py::array>(value));
    if (py::hasattr(value, "__cuda_array_interface__")) {
        return describe_cuda_array(name, value.attr("__cuda_array_interface__").cast<py::dict>());
    }
    const int device = dlpack_device_type(value);
    if (device >= 0) {
        const bool cuda = device == dlpack::kDLCUDA || device == dlpack::kDLCUDAManaged;
        const py::object capsule = cuda ? value.attr("__dlpack__")(py::arg("stream") = -1) : value.attr("__dlpack__")();
        auto* managed = static_cast<dlpack::DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
        if (managed == nullptr) {
            PyErr_Clear();
            throw ArgumentError("input '" + name + "': __dlpack__() did not return a 'dltensor' capsule");
        }
        return describe_dltensor(name, managed->dl_tensor);
    }
    return describe_numpy(name, as_numpy(name, value));
}
}  // namespace

void bind_feed(py::module_& m) {
    m.def("check_feed", [](const std::vector<TensorInfo>& inputs, const py::object& feed, std::optional<std::size_t> profile,
                           bool cast) {
              std::vector<InputSpec> specs;
              for (const auto& [name, value] : feed_items(feed)) specs.push_back(describe_object(name, value));
              py::list to_cast;
              for (const auto i : check_feed(inputs, specs, FeedCheck{cast, profile})) to_cast.append(specs[i].name);
              return to_cast;
          },
          py::arg("inputs"), py::arg("feed"), py::arg("profile") = 0, py::arg("cast") = false,
          "Checks a feed {name: numpy array | DLPack | __cuda_array_interface__ object} against `inputs` (names, "
          "dtypes, shapes, optimization `profile`; None: no profile check) without converting it; raises "
          "ArgumentError / DTypeError / ShapeError naming the tensor. Returns the names of the host inputs to convert "
          "to their declared dtype (only with cast=True; device inputs of another dtype are refused).");
}

}  // namespace trtcore::bindings
