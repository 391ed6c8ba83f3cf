// Glue for cpp/image: numpy arrays in and out without copies. Inputs must already be C-contiguous with the exact
// dtype (python/trtcore/image.py arranges that and documents where it copies); this file re-checks, because a
// wrong pointer here would crash the interpreter. Outputs own C++ memory through a capsule.

#include <optional>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "bindings/vocabulary.h"
#include "common/error.h"
#include "common/parallel.h"
#include "image/arguments.h"
#include "image/overlay.h"
#include "image/pnm.h"
#include "image/postprocess.h"
#include "image/preprocess.h"
#include "image/softmax.h"
#include "image/topk.h"

namespace img = trtcore::image;

namespace trtcore::bindings {

namespace {

// Hands a C++ buffer to numpy: the array's base is a capsule that frees the buffer when numpy is done with it.
py::array owned_array(img::Buffer&& buf, DataType t, const Shape& shape) {
    void* data = buf.data();  // the heap block moves with the Buffer
    return py::array(numpy_dtype(t, "array"), shape, data, owning_capsule(std::move(buf)));
}

// `out` when given (checked), else a fresh C++-owned array.
py::array output(std::optional<py::array> out, const char* name, DataType t, const Shape& shape) {
    if (out) {
        check_output(array_view(*out), name, t, shape);
        return *out;
    }
    return owned_array(img::Buffer(t, shape, name), t, shape);
}

// The op's result (output()), which kernel(its data as T*) writes without the GIL.
template <typename T, typename Kernel>
py::array write_output(std::optional<py::array> out, const char* name, DataType t, const Shape& shape,
                       Kernel&& kernel) {
    py::array result = output(std::move(out), name, t, shape);
    auto* data = static_cast<T*>(result.mutable_data());
    without_gil([&] { kernel(data); });
    return result;
}

py::tuple image_tuple(img::Image&& im) {
    const auto maxval = im.maxval;
    const Shape shape{static_cast<int64_t>(im.height), static_cast<int64_t>(im.width),
                      static_cast<int64_t>(im.channels)};
    return py::make_tuple(owned_array(std::move(im.pixels), im.type, shape), maxval);
}

}  // namespace

void bind_image(py::module_& parent) {
    py::module_ m = parent.def_submodule("image", "PPM/PGM I/O, normalize, argmax, colorize (use trtcore.image)");

    m.def("read_pnm", [](const std::string& path) {
        return image_tuple(without_gil([&] { return img::read_pnm(path); }));
    }, py::arg("path"), "Read a PPM/PGM file -> (HWC array owning the C++ buffer, maxval).");

    m.def("parse_pnm", [](py::buffer data, const std::string& name) {
        py::buffer_info info = data.request();
        if (info.ndim != 1 || info.itemsize != 1 || (info.ndim == 1 && info.strides[0] != 1))
            throw ArgumentError("parse_pnm: data must be contiguous bytes");
        const auto* bytes = static_cast<const std::uint8_t*>(info.ptr);
        const auto size = static_cast<std::size_t>(info.size);
        return image_tuple(without_gil([&] { return img::parse_pnm(bytes, size, name); }));
    }, py::arg("data"), py::arg("name") = "<bytes>", "Parse PPM/PGM bytes -> (HWC array, maxval).");

    m.def("write_pnm", [](const std::string& path, const py::array& a, std::uint32_t maxval) {
        const img::ImageView im = img::pnm_image(array_view(a), maxval);
        without_gil([&] { img::write_pnm(path, im); });
    }, py::arg("path"), py::arg("image"), py::arg("maxval"));

    m.def("normalize", [](const py::array& src, const std::vector<float>& mean, const std::vector<float>& std,
                          float maxval, const std::string& dtype, std::optional<py::array> out) {
        const ArrayView v = array_view(src);
        const Shape nchw = img::normalize_shape(v, mean.size(), std.size());
        const DataType dt = dtype_from_name(dtype, "normalize");
        const auto n = nchw[0], c = nchw[1], h = nchw[2], w = nchw[3];
        return write_output<void>(std::move(out), "out", dt, nchw, [&](void* d) {
            img::normalize(v.data, *v.dtype, n, h, w, c, maxval, mean.data(), std.data(), d, dt);
        });
    }, py::arg("img"), py::arg("mean"), py::arg("std"), py::arg("maxval"), py::arg("dtype"),
       py::arg("out") = py::none());

    m.def("argmax", [](const py::array& logits, const std::string& dtype, std::optional<py::array> out) {
        const ArrayView v = array_view(logits);
        const DataType ot = dtype_from_name(dtype, "argmax");
        return write_output<void>(std::move(out), "out", ot, img::argmax_shape(v), [&](void* d) {
            img::argmax(v.data, *v.dtype, v.shape[0], v.shape[1], v.shape[2], v.shape[3], d, ot);
        });
    }, py::arg("logits"), py::arg("dtype"), py::arg("out") = py::none());

    py::class_<img::Palette>(m, "Palette", "Colours by class id, built once (C++ image::Palette).")
        .def(py::init([](const py::array& colors) {
            return img::Palette(img::palette_colors(array_view(colors)));
        }), py::arg("colors"))
        .def_static("guide", &img::guide_palette, py::arg("num_classes"), py::arg("base"))
        .def("__len__", &img::Palette::size)
        .def_property_readonly("colors", [](const img::Palette& p) {
            return owned_array(p.rgb(), DataType::kUInt8, {static_cast<py::ssize_t>(p.size()), 3});
        });

    m.def("colorize", [](const py::array& labels, const img::Palette& p, std::optional<py::array> out) {
        const ArrayView v = array_view(labels);
        const auto count = static_cast<std::size_t>(labels.size());
        return write_output<std::uint8_t>(std::move(out), "out", DataType::kUInt8, img::colorize_shape(v),
                                          [&](std::uint8_t* d) { img::colorize(v.data, *v.dtype, count, p, d); });
    }, py::arg("labels"), py::arg("palette"), py::arg("out") = py::none());

    m.def("labels_from_output", [](const py::array& output_array, const std::string& what, std::size_t height,
                                   std::size_t width) {
        const ArrayView v = array_view(output_array);
        const Shape hw = img::labels_shape(v, what, height, width);
        return write_output<std::int64_t>(std::nullopt, "labels", DataType::kInt64, hw, [&](std::int64_t* d) {
            img::labels_from_output(v.data, *v.dtype, v.shape, d, what, height, width);
        });
    }, py::arg("output"), py::arg("what"), py::arg("height") = 0, py::arg("width") = 0);

    m.def("softmax", [](const py::array& scores, std::optional<py::array> out) {
        const ArrayView v = array_view(scores);
        const Shape rc = img::scores_shape(v);
        const auto rows = static_cast<std::size_t>(rc[0]), classes = static_cast<std::size_t>(rc[1]);
        return write_output<float>(std::move(out), "out", DataType::kFloat32, rc,
                                   [&](float* d) { img::softmax(v.data, *v.dtype, rows, classes, d); });
    }, py::arg("scores"), py::arg("out") = py::none());

    m.def("topk", [](const py::array& scores, std::size_t k) {
        const ArrayView v = array_view(scores);
        const Shape rc = img::scores_shape(v);
        const auto rows = static_cast<std::size_t>(rc[0]), classes = static_cast<std::size_t>(rc[1]);
        const Shape shape{rc[0], static_cast<int64_t>(k)};
        py::array indices = output(std::nullopt, "indices", DataType::kInt64, shape);
        auto* i = static_cast<std::int64_t*>(indices.mutable_data());
        py::array values = write_output<float>(std::nullopt, "values", DataType::kFloat32, shape, [&](float* val) {
            img::topk(v.data, *v.dtype, rows, classes, k, i, val);
        });
        return py::make_tuple(indices, values);
    }, py::arg("scores"), py::arg("k"));

    m.def("overlay", [](const py::array& image, const py::array& colored, double alpha) {
        const ArrayView im = array_view(image), col = array_view(colored);
        const Shape shape = img::overlay_shape(im, col);
        const auto* colors = static_cast<const std::uint8_t*>(col.data);
        const auto pixels = static_cast<std::size_t>(shape[0] * shape[1]);
        return write_output<std::uint8_t>(std::nullopt, "overlay", DataType::kUInt8, shape, [&](std::uint8_t* d) {
            img::overlay(im.data, *im.dtype, colors, pixels, alpha, d);
        });
    }, py::arg("image"), py::arg("colored"), py::arg("alpha"));

    m.def("set_num_threads", &trtcore::set_num_threads, py::arg("n"));
    m.def("get_num_threads", &trtcore::num_threads);
}

}  // namespace trtcore::bindings
