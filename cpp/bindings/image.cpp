// Glue for cpp/image: numpy arrays in and out without copies. Inputs must already be C-contiguous with the exact
// dtype (python/trtcore/image.py arranges that and documents where it copies); this file re-checks, because a
// wrong pointer here would crash the interpreter. Outputs own C++ memory through a capsule.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "common/error.h"
#include "common/parallel.h"
#include "bindings/vocabulary.h"
#include "image/guide_io.h"
#include "image/pnm.h"
#include "image/postprocess.h"
#include "image/preprocess.h"
#include "image/softmax.h"
#include "image/topk.h"

namespace py = pybind11;
namespace img = trtcore::image;

namespace trtcore::bindings {

namespace {

std::string allowed_text(std::initializer_list<DataType> allowed) {
    std::string s;
    for (DataType t : allowed) s += (s.empty() ? "" : ", ") + std::string(dtype_name(t));
    return s;
}

// The array's dtype when it is one of `allowed` and the array is C-contiguous (and writeable if asked).
DataType check(const py::array& a, const char* name, std::initializer_list<DataType> allowed, bool writeable) {
    const auto t = dtype_of(a);
    bool ok = false;
    for (DataType x : allowed) ok = ok || (t && *t == x);
    if (!ok)
        throw DTypeError(std::string(name) + ": dtype must be " + allowed_text(allowed) + ", got " +
                         py::str(a.dtype()).cast<std::string>());
    if (!(a.flags() & py::array::c_style)) throw ArgumentError(std::string(name) + ": array must be C-contiguous");
    if (writeable && !a.writeable()) throw ArgumentError(std::string(name) + ": array is read-only");
    return *t;
}

void check_shape(const py::array& a, const char* name, const std::vector<py::ssize_t>& want) {
    bool ok = static_cast<std::size_t>(a.ndim()) == want.size();
    for (std::size_t i = 0; ok && i < want.size(); ++i) ok = a.shape(static_cast<py::ssize_t>(i)) == want[i];
    if (!ok) {
        auto text = [](auto get, std::size_t n) {
            std::string s = "(";
            for (std::size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(get(i));
            return s + (n == 1 ? ",)" : ")");
        };
        throw ShapeError(std::string(name) + ": shape must be " +
                         text([&](std::size_t i) { return want[i]; }, want.size()) + ", got " +
                         text([&](std::size_t i) { return a.shape(static_cast<py::ssize_t>(i)); },
                              static_cast<std::size_t>(a.ndim())));
    }
}

// Hands a C++ buffer to numpy: the array's base is a capsule that frees the buffer when numpy is done with it.
py::array owned_array(img::Buffer&& buf, DataType t, std::vector<py::ssize_t> shape) {
    auto holder = std::make_unique<img::Buffer>(std::move(buf));
    void* data = holder->data();
    py::capsule owner(holder.get(), [](void* p) {
        std::unique_ptr<img::Buffer> free_it(static_cast<img::Buffer*>(p));
    });
    holder.release();  // the capsule owns it now
    return py::array(numpy_dtype(t, "array"), std::move(shape), data, owner);
}

// out when given (checked), else a fresh C++-owned array.
py::array output(std::optional<py::array> out, const char* name, DataType t, const std::vector<py::ssize_t>& shape) {
    if (out) {
        check(*out, name, {t}, true);
        check_shape(*out, name, shape);
        return *out;
    }
    std::size_t count = 1;
    for (auto s : shape) count = img::checked_mul(count, static_cast<std::size_t>(s), name);
    return owned_array(img::Buffer(img::checked_mul(count, element_size(t), name)), t, shape);
}

py::tuple image_tuple(img::Image&& im) {
    const auto maxval = im.maxval;
    const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(im.height), static_cast<py::ssize_t>(im.width),
                                         static_cast<py::ssize_t>(im.channels)};
    return py::make_tuple(owned_array(std::move(im.pixels), im.type, shape), maxval);
}

}  // namespace

void bind_image(py::module_& parent) {
    py::module_ m = parent.def_submodule("image", "PPM/PGM I/O, normalize, argmax, colorize (use trtcore.image)");

    m.def("read_pnm", [](const std::string& path) {
        img::Image im;
        {
            py::gil_scoped_release nogil;
            im = img::read_pnm(path);
        }
        return image_tuple(std::move(im));
    }, py::arg("path"), "Read a PPM/PGM file -> (HWC array owning the C++ buffer, maxval).");

    m.def("parse_pnm", [](py::buffer data, const std::string& name) {
        py::buffer_info info = data.request();
        if (info.ndim != 1 || info.itemsize != 1 || (info.ndim == 1 && info.strides[0] != 1))
            throw ArgumentError("parse_pnm: data must be contiguous bytes");
        img::Image im;
        {
            py::gil_scoped_release nogil;
            im = img::parse_pnm(static_cast<const std::uint8_t*>(info.ptr), static_cast<std::size_t>(info.size), name);
        }
        return image_tuple(std::move(im));
    }, py::arg("data"), py::arg("name") = "<bytes>", "Parse PPM/PGM bytes -> (HWC array, maxval).");

    m.def("write_pnm", [](const std::string& path, const py::array& a, std::uint32_t maxval) {
        const DataType t = check(a, "image", {DataType::kUInt8, DataType::kUInt16}, false);
        if (a.ndim() != 3) throw ShapeError("image: must be HWC (3 dimensions), got " + std::to_string(a.ndim()));
        img::ImageView v{a.data(), static_cast<std::size_t>(a.shape(1)), static_cast<std::size_t>(a.shape(0)),
                         static_cast<std::size_t>(a.shape(2)), t, maxval};
        py::gil_scoped_release nogil;
        img::write_pnm(path, v);
    }, py::arg("path"), py::arg("image"), py::arg("maxval"));

    m.def("normalize", [](const py::array& src, const std::vector<float>& mean, const std::vector<float>& std,
                          float maxval, const std::string& dtype, std::optional<py::array> out) {
        const DataType st = check(src, "img", {DataType::kUInt8, DataType::kUInt16}, false);
        const DataType dt = dtype_from_name(dtype, "normalize");
        if (src.ndim() != 4) throw ShapeError("img: must be NHWC (4 dimensions) here");
        const auto n = src.shape(0), h = src.shape(1), w = src.shape(2), c = src.shape(3);
        if (mean.size() != static_cast<std::size_t>(c) || std.size() != static_cast<std::size_t>(c))
            throw ArgumentError("normalize: mean and std need one value per channel (" + std::to_string(c) +
                                "), got " + std::to_string(mean.size()) + " and " + std::to_string(std.size()));
        py::array result = output(std::move(out), "out", dt, {n, c, h, w});
        const void* s = src.data();
        void* d = result.mutable_data();
        {
            py::gil_scoped_release nogil;
            img::normalize(s, st, n, h, w, c, maxval, mean.data(), std.data(), d, dt);
        }
        return result;
    }, py::arg("img"), py::arg("mean"), py::arg("std"), py::arg("maxval"), py::arg("dtype"),
       py::arg("out") = py::none());

    m.def("argmax", [](const py::array& logits, const std::string& dtype, std::optional<py::array> out) {
        const DataType lt = check(logits, "logits", {DataType::kFloat32, DataType::kFloat16}, false);
        const DataType ot = dtype_from_name(dtype, "argmax");
        if (logits.ndim() != 4) throw ShapeError("logits: must be [N, C, H, W] here");
        const auto n = logits.shape(0), c = logits.shape(1), h = logits.shape(2), w = logits.shape(3);
        py::array result = output(std::move(out), "out", ot, {n, h, w});
        const void* s = logits.data();
        void* d = result.mutable_data();
        {
            py::gil_scoped_release nogil;
            img::argmax(s, lt, n, c, h, w, d, ot);
        }
        return result;
    }, py::arg("logits"), py::arg("dtype"), py::arg("out") = py::none());

    py::class_<img::Palette>(m, "Palette", "Colours by class id, built once (C++ image::Palette).")
        .def(py::init([](const py::array& colors) {
            check(colors, "palette", {DataType::kUInt8}, false);
            if (colors.ndim() != 2 || colors.shape(1) != 3)
                throw ShapeError("palette: shape must be (num_classes, 3)");
            std::vector<img::Color> c(static_cast<std::size_t>(colors.shape(0)));
            const auto* pd = static_cast<const std::uint8_t*>(colors.data());
            for (std::size_t i = 0; i < c.size(); ++i) c[i] = {pd[3 * i], pd[3 * i + 1], pd[3 * i + 2]};
            return img::Palette(std::move(c));
        }), py::arg("colors"))
        .def_static("guide", &img::guide_palette, py::arg("num_classes"), py::arg("base"))
        .def("__len__", &img::Palette::size)
        .def_property_readonly("colors", [](const img::Palette& p) {
            img::Buffer buf(p.size() * 3);
            for (std::size_t i = 0; i < p.size(); ++i)
                for (int k = 0; k < 3; ++k) buf.data()[3 * i + k] = p[i][k];
            return owned_array(std::move(buf), DataType::kUInt8, {static_cast<py::ssize_t>(p.size()), 3});
        });

    m.def("colorize", [](const py::array& labels, const img::Palette& p, std::optional<py::array> out) {
        const DataType lt = check(labels, "labels", {DataType::kInt64, DataType::kInt32, DataType::kUInt8}, false);
        std::vector<py::ssize_t> shape(labels.shape(), labels.shape() + labels.ndim());
        shape.push_back(3);
        py::array result = output(std::move(out), "out", DataType::kUInt8, shape);
        const void* s = labels.data();
        auto* d = static_cast<std::uint8_t*>(result.mutable_data());
        const auto count = static_cast<std::size_t>(labels.size());
        {
            py::gil_scoped_release nogil;
            img::colorize(s, lt, count, p, d);
        }
        return result;
    }, py::arg("labels"), py::arg("palette"), py::arg("out") = py::none());

    m.def("labels_from_output", [](const py::array& output_array, const std::string& what, std::size_t height,
                                   std::size_t width) {
        const auto t = dtype_of(output_array);
        if (!t) throw FormatError(what + " came back as " + py::str(output_array.dtype()).cast<std::string>() +
                                  "; expected float32/float16 logits or integer labels");
        check(output_array, what.c_str(), {*t}, false);
        const Shape shape(output_array.shape(), output_array.shape() + output_array.ndim());
        const img::LabelSource src = img::label_source(*t, shape, what, height, width);
        py::array result = output(std::nullopt, "labels", DataType::kInt64,
                                  {static_cast<py::ssize_t>(src.height), static_cast<py::ssize_t>(src.width)});
        const void* s = output_array.data();
        auto* d = static_cast<std::int64_t*>(result.mutable_data());
        {
            py::gil_scoped_release nogil;
            img::labels_from_output(s, *t, shape, d, what, height, width);
        }
        return result;
    }, py::arg("output"), py::arg("what"), py::arg("height") = 0, py::arg("width") = 0);

    m.def("softmax", [](const py::array& scores, std::optional<py::array> out) {
        const DataType st = check(scores, "scores", {DataType::kFloat32, DataType::kFloat16}, false);
        if (scores.ndim() != 2) throw ShapeError("scores: must be [rows, classes] here");
        const auto rows = scores.shape(0), cols = scores.shape(1);
        py::array result = output(std::move(out), "out", DataType::kFloat32, {rows, cols});
        const void* s = scores.data();
        auto* d = static_cast<float*>(result.mutable_data());
        {
            py::gil_scoped_release nogil;
            img::softmax(s, st, static_cast<std::size_t>(rows), static_cast<std::size_t>(cols), d);
        }
        return result;
    }, py::arg("scores"), py::arg("out") = py::none());

    m.def("topk", [](const py::array& scores, std::size_t k) {
        const DataType st = check(scores, "scores", {DataType::kFloat32, DataType::kFloat16}, false);
        if (scores.ndim() != 2) throw ShapeError("scores: must be [rows, classes] here");
        const auto rows = scores.shape(0), cols = scores.shape(1);
        const auto kk = static_cast<py::ssize_t>(k);
        py::array indices = output(std::nullopt, "indices", DataType::kInt64, {rows, kk});
        py::array values = output(std::nullopt, "values", DataType::kFloat32, {rows, kk});
        const void* s = scores.data();
        auto* i = static_cast<std::int64_t*>(indices.mutable_data());
        auto* v = static_cast<float*>(values.mutable_data());
        {
            py::gil_scoped_release nogil;
            img::topk(s, st, static_cast<std::size_t>(rows), static_cast<std::size_t>(cols), k, i, v);
        }
        return py::make_tuple(indices, values);
    }, py::arg("scores"), py::arg("k"));

    m.def("set_num_threads", &trtcore::set_num_threads, py::arg("n"));
    m.def("get_num_threads", &trtcore::num_threads);
}

}  // namespace trtcore::bindings
