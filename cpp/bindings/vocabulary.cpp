// trtcore.TensorInfo, the dtype table and FeedChecker, bound once for every layer, and the one reader of arrays
// handed in (bindings.h), which never converts or copies them.
#include <array>

#include "bindings/bindings.h"
#include "runtime/dlpack.h"

namespace trtcore::bindings {

namespace {
// The array's element type; nullopt for dtypes trtcore has no name for, or byte-swapped ones ('>u2').
std::optional<DataType> dtype_of(const py::array& a) {
    const py::dtype dt = a.dtype();
    if (dt.byteorder() == '>') return std::nullopt;
    // Read on every fed array, so numpy's built-in types are looked up by number, remembered the first time their
    // name is found in the one table; user types (ml_dtypes' bfloat16, float8: numbers >= 256) go by name.
    static std::array<std::optional<DataType>, 256> by_number;
    const int num = dt.num();
    const bool builtin = num >= 0 && num < static_cast<int>(by_number.size());
    if (builtin && by_number[num]) return by_number[num];
    const auto type = find_dtype(py::str(dt.attr("name")).cast<std::string>());
    if (builtin && type) by_number[num] = type;  // a flexible type (str32, void8) never matches a name
    if (type) check_numpy_representable(*type, "a numpy array");  // ml_dtypes' int4: one per byte, not packed
    return type;
}

// A dtype given by the user: a numpy dtype, a numpy scalar type or a name ("float16"); DTypeError naming `what`.
DataType dtype_from_object(const py::handle& obj, const std::string& what) {
    if (py::isinstance<py::str>(obj)) return dtype_from_name(obj.cast<std::string>(), what);
    try {
        return dtype_from_name(py::str(py::dtype::from_args(py::reinterpret_borrow<py::object>(obj)).attr("name")),
                               what);
    } catch (py::error_already_set&) {
        throw DTypeError(what + ": " + py::repr(obj).cast<std::string>() + " is not a dtype");
    }
}

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

FedArray read_dlpack(const std::string& name, const py::handle& obj, const std::function<void*()>& consumer) {
    // The producer orders its writes before our stream (DLPack: 0 is ambiguous, 1 the legacy stream, -1 unordered).
    const auto s = consumer ? static_cast<long long>(reinterpret_cast<std::uintptr_t>(consumer())) : -1LL;
    py::object capsule = obj.attr("__dlpack__")("stream"_a = s == 0 ? 1 : s);
    auto* managed = static_cast<dlpack::DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
    if (managed == nullptr) {
        PyErr_Clear();
        throw ArgumentError("input '" + name + "': __dlpack__() did not return a 'dltensor' capsule");
    }
    PyCapsule_SetName(capsule.ptr(), "used_dltensor");  // ours now: the producer must not free it
    dlpack::ManagedTensorPtr owned(managed);
    return {dlpack::read(name, managed->dl_tensor), owning_capsule(std::move(owned))};
}

// A numpy array, or what numpy views in place (lists, objects with __array__; not as object arrays).
FedArray read_numpy(const std::string& name, const py::handle& value) {
    const bool ndarray = py::isinstance<py::array>(value);
    const py::array a = ndarray ? py::reinterpret_borrow<py::array>(value) : py::array::ensure(value);
    if (!ndarray && (!a || a.dtype().kind() == 'O')) {
        PyErr_Clear();
        throw ArgumentError("input '" + name + "': expected an array (numpy, or an object with __dlpack__ or "
                            "__cuda_array_interface__), got " + type_name(value));
    }
    return {{name, array_view(a)}, a};
}

using Profiles = std::vector<std::tuple<Shape, Shape, Shape>>;
TensorInfo make_info(const std::string& name, const py::handle& dtype, const Shape& shape, const std::string& io,
                     const Profiles& profiles, const std::vector<std::optional<std::string>>& dim_names,
                     const std::string& location, const std::string& format) {
    const std::string what = "tensor '" + name + "'";
    TensorInfo t{name, io_from_name(io, what), dtype_from_object(dtype, what), shape, {}, {},
                 location_from_name(location, what), format};
    for (const auto& [lo, opt, hi] : profiles) t.profiles.push_back({lo, opt, hi});
    set_dim_names(t, dim_names);
    return t;
}
// The first profile's min, opt or max shape; None without profiles.
template <Shape ProfileShape::*which>
py::object first_profile(const TensorInfo& t) {
    return t.profiles.empty() ? py::none() : py::object(shape_tuple(t.profiles.front().*which));
}
}  // namespace

py::dtype numpy_dtype(DataType type, const std::string& what) {
    check_numpy_representable(type, what);  // int4/fp4: never a numpy view over packed TensorRT bytes
    try {
        return py::dtype(std::string(dtype_name(type)));
    } catch (py::error_already_set&) {
        throw DTypeError(what + ": numpy has no dtype '" + dtype_name(type) +
                         "' (for bfloat16 and float8 install and import ml_dtypes, or keep the data on the GPU)");
    }
}

ArrayView array_view(const py::array& a) {
    ArrayView v{const_cast<void*>(a.data()), dtype_of(a), "", Shape(a.shape(), a.shape() + a.ndim()),
                (a.flags() & py::array::c_style) != 0, a.writeable(), Location::kHost, std::nullopt, ""};
    const std::string order = a.dtype().byteorder() == '>' ? "big-endian " : "";
    v.type = v.dtype ? dtype_name(*v.dtype) : order + py::str(a.dtype().attr("name")).cast<std::string>();
    return v;
}

FedArray read_fed(const std::string& name, const py::handle& value, const std::function<void*()>& consumer) {
    if (py::isinstance<py::array>(value)) return read_numpy(name, value);
    if (py::hasattr(value, "__cuda_array_interface__")) return read_cuda_array_interface(name, value);
    if (py::hasattr(value, "__dlpack__") && py::hasattr(value, "__dlpack_device__")) {
        const int device = value.attr("__dlpack_device__")().cast<py::tuple>()[0].cast<int>();
        if (device == dlpack::kDLCUDA || device == dlpack::kDLCUDAManaged) {
            return read_dlpack(name, value, consumer);
        }
        return read_numpy(name, py::module_::import("numpy").attr("from_dlpack")(value));  // host: viewed in place
    }
    return read_numpy(name, value);
}

std::string type_name(const py::handle& obj) { return py::str(py::type::of(obj).attr("__name__")); }

Items str_items(const py::handle& dict, const std::string& not_dict, const std::string& bad_key) {
    if (!py::isinstance<py::dict>(dict)) throw ArgumentError(not_dict + ", got " + type_name(dict));
    Items items;
    for (const auto& [key, value] : py::reinterpret_borrow<py::dict>(dict)) {
        if (!py::isinstance<py::str>(key)) throw ArgumentError(bad_key + ", got " + py::repr(key).cast<std::string>());
        items.emplace_back(key.cast<std::string>(), py::reinterpret_borrow<py::object>(value));
    }
    return items;
}

Items feed_items(const py::handle& feed) {
    return str_items(feed, "the feed must be a dict {input name: array}", "feed keys must be input names (str)");
}

void bind_vocabulary(py::module_& m) {
    m.def("dtype_table", [] {
        py::list rows;
        for (const auto& r : dtype_table()) rows.append(as_dict(r.fields()));
        return rows;
    }, "Every element type trtcore knows, with its numpy, DLPack, array-interface, ONNX and TensorRT names.");

    py::class_<TensorInfo>(m, "TensorInfo",
                           "One input or output of a model: name, io, dtype, shape (-1 for dynamic dims), dim_names, "
                           "per-profile (min, opt, max) shapes, location.")
        .def(py::init(&make_info), "name"_a, "dtype"_a, "shape"_a, "io"_a = "input", "profiles"_a = Profiles{},
             "dim_names"_a = std::vector<std::optional<std::string>>{}, "location"_a = "device", "format"_a = "")
        .def_readonly("name", &TensorInfo::name)
        .def_property_readonly("io", [](const TensorInfo& t) { return io_name(t.io); })
        .def_property_readonly("is_input", [](const TensorInfo& t) { return t.io == TensorIO::kInput; })
        .def_property_readonly("dtype_name", [](const TensorInfo& t) { return dtype_name(t.dtype); })
        .def_property_readonly("dtype", [](const TensorInfo& t) -> py::object {
            try {
                return numpy_dtype(t.dtype, t.name);
            } catch (const DTypeError&) {
                return py::str(dtype_name(t.dtype));  // bfloat16/fp8/int4 without ml_dtypes: the name
            }
        }, "numpy's dtype, or the type's name where numpy has none (bfloat16, float8 without ml_dtypes)")
        .def_property_readonly("shape", [](const TensorInfo& t) { return shape_tuple(t.shape); })
        .def_property_readonly("rank", [](const TensorInfo& t) { return t.shape.size(); })
        .def_property_readonly("is_dynamic", [](const TensorInfo& t) { return is_dynamic(t.shape); })
        .def_property_readonly("dim_names", [](const TensorInfo& t) { return py::tuple(py::cast(dim_names_of(t))); },
                               "symbolic names of the dimensions (None where a dimension has none)")
        .def_property_readonly("profiles", [](const TensorInfo& t) {
            py::list out;
            for (const auto& p : t.profiles) out.append(py::make_tuple(shape_tuple(p.min), shape_tuple(p.opt),
                                                                       shape_tuple(p.max)));
            return out;
        })
        .def_property_readonly("min_shape", &first_profile<&ProfileShape::min>)
        .def_property_readonly("opt_shape", &first_profile<&ProfileShape::opt>)
        .def_property_readonly("max_shape", &first_profile<&ProfileShape::max>)
        .def_property_readonly("location", [](const TensorInfo& t) { return location_name(t.location); })
        .def_readonly("format", &TensorInfo::format)
        .def("__eq__", &same_tensor)
        .def("__repr__", py::overload_cast<const TensorInfo&>(&to_string));

    m.def("array_info", [](const py::object& array) {
        const ArrayView a = read_fed("array", array).in.array;
        return py::make_tuple(a.type, shape_tuple(a.shape), location_name(a.location));
    }, "array"_a);

    py::class_<FeedChecker>(m, "FeedChecker")
        .def(py::init<std::vector<TensorInfo>, std::optional<std::size_t>>(), "inputs"_a, "profile"_a = 0)
        .def_readonly("inputs", &FeedChecker::inputs)
        .def("check", [](const FeedChecker& c, const py::handle& feed, bool cast) -> py::object {
            static const py::handle ndarray = py::object(py::module_::import("numpy").attr("ndarray")).release();
            std::vector<NamedArray> arrays;  // a DLPack object is asked for its header, unordered
            bool as_is = true;               // only C-contiguous numpy.ndarrays (not subclasses)
            for (const auto& [name, value] : feed_items(feed)) {
                arrays.push_back(read_fed(name, value).in);
                as_is = as_is && py::type::handle_of(value).is(ndarray) && arrays.back().array.c_contiguous;
            }
            const std::vector<std::string> names = c.check(arrays, cast);
            return as_is && names.empty() ? py::none() : py::cast(names);  // None: nothing for a host backend to do
        }, "feed"_a, "cast"_a = false);
}

}  // namespace trtcore::bindings
