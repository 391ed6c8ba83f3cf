// Glue for cpp/image: numpy arrays in and out without copies. python/trtcore/image.py makes inputs C-contiguous with
// the exact dtype (and says where it copies); cpp/image re-checks the ArrayViews, as a wrong pointer would crash.
#include "bindings/bindings.h"
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
// A C++ buffer as a numpy array whose base (a capsule) frees the buffer when numpy is done with it.
py::array owned_array(img::Buffer&& buf, DataType t, const Shape& shape) {
    void* data = buf.data();  // the heap block moves with the Buffer
    return py::array(numpy_dtype(t, "array"), shape, data, owning_capsule(std::move(buf)));
}
// The op's result (`out` when given, checked; else a new C++-owned array), which kernel(data) writes without the GIL.
template <typename T = void, typename Kernel>
py::array write_output(const std::optional<py::array>& out, const char* name, DataType t, const Shape& shape,
                       Kernel&& kernel) {
    if (out) check_output(array_view(*out), name, t, shape);
    py::array result = out ? *out : owned_array(img::Buffer(t, shape, name), t, shape);
    auto* data = static_cast<T*>(result.mutable_data());
    without_gil([&] { kernel(data); });
    return result;
}
py::tuple image_tuple(img::Image&& im) {
    const Shape shape = im.shape();
    return py::make_tuple(owned_array(std::move(im.pixels), im.type, shape), im.maxval);
}
}  // namespace

void bind_image(py::module_& parent) {
    py::module_ m = parent.def_submodule("image", "PPM/PGM I/O, normalize, argmax, colorize (use trtcore.image)");
    m.def("read_pnm", [](const std::string& path) {
        return image_tuple(without_gil([&] { return img::read_pnm(path); }));
    }, "path"_a, "Read a PPM/PGM file -> (HWC array owning the C++ buffer, maxval).");
    m.def("parse_pnm", [](const py::buffer& data, const std::string& name) {
        const py::buffer_info info = data.request();
        const auto [bytes, size] = byte_view(info, "parse_pnm: data");
        return image_tuple(without_gil([&] { return img::parse_pnm(static_cast<const uint8_t*>(bytes), size, name); }));
    }, "data"_a, "name"_a = "<bytes>", "Parse PPM/PGM bytes -> (HWC array, maxval).");
    m.def("write_pnm", [](const std::string& path, const ArrayView& a, std::uint32_t maxval) {
        img::write_pnm(path, img::pnm_image(a, maxval));
    }, "path"_a, "image"_a, "maxval"_a, py::call_guard<py::gil_scoped_release>());
    m.def("normalize", [](const ArrayView& v, const std::vector<float>& mean, const std::vector<float>& std,
                          float maxval, const std::string& dtype, const std::optional<py::array>& out) {
        const DataType t = dtype_from_name(dtype, "normalize");
        return write_output(out, "out", t, img::normalize_shape(v, mean.size(), std.size()),
                            [&](void* d) { img::normalize(v, mean, std, maxval, d, t); });
    }, "img"_a, "mean"_a, "std"_a, "maxval"_a, "dtype"_a, "out"_a = py::none());
    m.def("argmax", [](const ArrayView& v, const std::string& dtype, const std::optional<py::array>& out) {
        const DataType t = dtype_from_name(dtype, "argmax");
        return write_output(out, "out", t, img::argmax_shape(v), [&](void* d) { img::argmax(v, d, t); });
    }, "logits"_a, "dtype"_a, "out"_a = py::none());
    py::class_<img::Palette>(m, "Palette", "Colours by class id, built once (C++ image::Palette).")
        .def(py::init([](const ArrayView& colors) { return img::Palette(img::palette_colors(colors)); }), "colors"_a)
        .def_static("guide", &img::guide_palette, "num_classes"_a, "base"_a)
        .def("__len__", &img::Palette::size)
        .def_property_readonly("colors", [](const img::Palette& p) {
            return owned_array(p.rgb(), DataType::kUInt8, {static_cast<int64_t>(p.size()), 3});
        });
    m.def("colorize", [](const ArrayView& v, const img::Palette& p, const std::optional<py::array>& out) {
        return write_output<uint8_t>(out, "out", DataType::kUInt8, img::colorize_shape(v),
                                     [&](uint8_t* d) { img::colorize(v, p, d); });
    }, "labels"_a, "palette"_a, "out"_a = py::none());
    m.def("labels_from_output", [](const ArrayView& v, const std::string& what, std::size_t h, std::size_t w) {
        return write_output<int64_t>(std::nullopt, "labels", DataType::kInt64, img::labels_shape(v, what, h, w),
                                     [&](int64_t* d) { img::labels_from_output(v, what, h, w, d); });
    }, "output"_a, "what"_a, "height"_a = 0, "width"_a = 0);
    m.def("softmax", [](const ArrayView& v, const std::optional<py::array>& out) {
        return write_output<float>(out, "out", DataType::kFloat32, img::scores_shape(v),
                                   [&](float* d) { img::softmax(v, d); });
    }, "scores"_a, "out"_a = py::none());
    m.def("topk", [](const ArrayView& v, std::size_t k) {
        const Shape shape{img::scores_shape(v)[0], static_cast<int64_t>(k)};
        py::array indices = owned_array(img::Buffer(DataType::kInt64, shape, "indices"), DataType::kInt64, shape);
        auto* i = static_cast<int64_t*>(indices.mutable_data());
        py::array values = write_output<float>(std::nullopt, "values", DataType::kFloat32, shape,
                                               [&](float* val) { img::topk(v, k, i, val); });
        return py::make_tuple(indices, values);
    }, "scores"_a, "k"_a);
    m.def("overlay", [](const ArrayView& im, const ArrayView& col, double alpha) {
        return write_output<uint8_t>(std::nullopt, "overlay", DataType::kUInt8, img::overlay_shape(im, col),
                                     [&](uint8_t* d) { img::overlay(im, col, alpha, d); });
    }, "image"_a, "colored"_a, "alpha"_a);
    m.def("set_num_threads", &trtcore::set_num_threads, "n"_a);
    m.def("get_num_threads", &trtcore::num_threads);
}

}  // namespace trtcore::bindings
