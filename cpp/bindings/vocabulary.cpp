// trtcore.TensorInfo and the dtype table, bound once for every layer (see vocabulary.h).
#include "bindings/vocabulary.h"

#include <pybind11/stl.h>

#include <array>

#include "bindings/bindings.h"
#include "common/error.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace trtcore::bindings {

py::dtype numpy_dtype(DataType type, const std::string& what) {
    check_numpy_representable(type, what);  // int4/fp4: never a numpy view over packed TensorRT bytes
    try {
        return py::dtype(std::string(dtype_name(type)));
    } catch (py::error_already_set&) {
        throw DTypeError(what + ": numpy has no dtype '" + dtype_name(type) +
                         "' (for bfloat16 and float8 install and import ml_dtypes, or keep the data on the GPU)");
    }
}

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

ArrayView array_view(const py::array& a) {
    ArrayView v{const_cast<void*>(a.data()), dtype_of(a), "", Shape(a.shape(), a.shape() + a.ndim()),
                (a.flags() & py::array::c_style) != 0, a.writeable(), Location::kHost};
    v.type = v.dtype ? dtype_name(*v.dtype) : py::str(a.dtype()).cast<std::string>();
    return v;
}

DataType dtype_from_object(const py::handle& obj, const std::string& what) {
    if (py::isinstance<py::str>(obj)) return dtype_from_name(obj.cast<std::string>(), what);
    try {
        const py::object dt = py::module_::import("numpy").attr("dtype")(obj);
        return dtype_from_name(py::str(dt.attr("name")).cast<std::string>(), what);
    } catch (py::error_already_set&) {
        throw DTypeError(what + ": " + py::repr(obj).cast<std::string>() + " is not a dtype");
    }
}

namespace {
py::tuple shape_tuple(const Shape& s) { return py::tuple(py::cast(s)); }
py::object profile_shape(const TensorInfo& t, int which) {
    if (t.profiles.empty()) return py::none();
    const auto& p = t.profiles.front();
    return shape_tuple(which == 0 ? p.min : which == 1 ? p.opt : p.max);
}

TensorInfo make_info(const std::string& name, const py::handle& dtype, const Shape& shape, const std::string& io,
                     const std::vector<std::tuple<Shape, Shape, Shape>>& profiles,
                     const std::vector<std::optional<std::string>>& dim_names, const std::string& location,
                     const std::string& format) {
    const std::string what = "tensor '" + name + "'";
    TensorInfo t{name, io_from_name(io, what), dtype_from_object(dtype, what), shape, {}, {},
                 location_from_name(location, what), format};
    for (const auto& [lo, opt, hi] : profiles) t.profiles.push_back({lo, opt, hi});
    set_dim_names(t, dim_names);
    return t;
}
}  // namespace

void bind_vocabulary(py::module_& m) {
    m.def("dtype_table", [] {
        py::list rows;
        for (const auto& r : dtype_table()) {
            rows.append(py::dict("name"_a = r.numpy, "bits"_a = r.bits, "dlpack_code"_a = r.dlpack_code,
                                 "typestr"_a = r.typestr, "onnx"_a = r.onnx, "onnx_name"_a = r.onnx_name,
                                 "tensorrt"_a = r.tensorrt));
        }
        return rows;
    }, "Every element type trtcore knows, with its numpy, DLPack, array-interface, ONNX and TensorRT names.");

    py::class_<TensorInfo>(m, "TensorInfo",
                           "One input or output of a model: name, io, dtype, shape (-1 for dynamic dims), dim_names, "
                           "per-profile (min, opt, max) shapes, location.")
        .def(py::init(&make_info), py::arg("name"), py::arg("dtype"), py::arg("shape"), py::arg("io") = "input",
             py::arg("profiles") = std::vector<std::tuple<Shape, Shape, Shape>>{},
             py::arg("dim_names") = std::vector<std::optional<std::string>>{}, py::arg("location") = "device",
             py::arg("format") = "")
        .def_readonly("name", &TensorInfo::name)
        .def_property_readonly("io", [](const TensorInfo& t) { return io_name(t.io); })
        .def_property_readonly("is_input", [](const TensorInfo& t) { return t.io == TensorIO::kInput; })
        .def_property_readonly("dtype_name", [](const TensorInfo& t) { return dtype_name(t.dtype); })
        .def_property_readonly("dtype", [](const TensorInfo& t) -> py::object {
            try {
                return py::dtype(std::string(dtype_name(t.dtype)));
            } catch (py::error_already_set&) {
                return py::str(dtype_name(t.dtype));  // bfloat16/fp8/int4 without ml_dtypes: the name
            }
        }, "numpy's dtype, or the type's name where numpy has none (bfloat16, float8 without ml_dtypes)")
        .def_property_readonly("itemsize_bits", [](const TensorInfo& t) { return element_bits(t.dtype); })
        .def_property_readonly("shape", [](const TensorInfo& t) { return shape_tuple(t.shape); })
        .def_property_readonly("rank", [](const TensorInfo& t) { return t.shape.size(); })
        .def_property_readonly("is_dynamic", [](const TensorInfo& t) { return is_dynamic(t.shape); })
        .def_property_readonly("dim_names", [](const TensorInfo& t) { return py::tuple(py::cast(dim_names_of(t))); },
                               "symbolic names of the dimensions (None where a dimension has none)")
        .def_property_readonly("profiles", [](const TensorInfo& t) {
            py::list out;
            for (const auto& p : t.profiles) out.append(py::make_tuple(shape_tuple(p.min), shape_tuple(p.opt), shape_tuple(p.max)));
            return out;
        })
        .def_property_readonly("min_shape", [](const TensorInfo& t) { return profile_shape(t, 0); })
        .def_property_readonly("opt_shape", [](const TensorInfo& t) { return profile_shape(t, 1); })
        .def_property_readonly("max_shape", [](const TensorInfo& t) { return profile_shape(t, 2); })
        .def("shape_str", &shape_str, "The shape for messages, dynamic dims by name or '?': '(batch, 3, 224, 224)'.")
        .def_property_readonly("location", [](const TensorInfo& t) { return location_name(t.location); })
        .def_readonly("format", &TensorInfo::format)
        .def("__eq__", &same_tensor)
        .def("__repr__", py::overload_cast<const TensorInfo&>(&to_string));
}

}  // namespace trtcore::bindings
