#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "testing/testing.h"
#include "common/error.h"
#include "common/tensor.h"
#include "image/cpu_kernels.h"
#include "image/guide_io.h"
#include "image/pnm.h"
#include "image/postprocess.h"
#include "image/preprocess.h"
#include "image/softmax.h"
#include "image/types.h"

namespace py = pybind11;
namespace img = trtcore::image;

namespace trtcore::bindings::testing {

namespace {
// Exactly this dtype, C-contiguous; anything else is refused by pybind11 (no silent conversion).
template <typename T>
using Exact = py::array_t<T, py::array::c_style>;

template <typename Label>
void write_argmax_image(const std::string& path, const std::vector<std::int64_t>& dims, const Exact<Label>& labels,
                        const std::vector<int>& base, int num_classes) {
    img::ArgmaxImageWriter writer(path, dims, base, num_classes);
    std::size_t need = 1;
    for (auto d : dims) need *= static_cast<std::size_t>(d);
    if (static_cast<std::size_t>(labels.size()) != need) throw ShapeError("labels: size does not match dims");
    writer.process(labels.data());
    writer.write();
}
// The image ops of this module's own copy of the image layer, run in one CPU kernel variant (cpu_kernels.h):
// tests compare every variant, and _core's dispatched ops, with the scalar kernels on the same inputs.
template <typename F> void with_kernels(const std::string& variant, F&& run) {
    img::set_cpu_kernels(variant);
    struct Reset {
        ~Reset() { img::reset_cpu_kernels(); }
    } reset;
    run();
}

DataType type_of(const py::array& a, const char* what) {
    if (!(a.flags() & py::array::c_style)) throw ArgumentError(std::string(what) + ": must be C-contiguous");
    const auto t = trtcore::find_dtype(py::str(a.dtype()));
    if (!t) throw DTypeError(std::string(what) + ": unsupported dtype " + std::string(py::str(a.dtype())));
    return *t;
}

std::size_t dim(const py::array& a, int i) { return static_cast<std::size_t>(a.shape(i)); }

py::array kernel_argmax(const std::string& variant, const py::array& logits, const std::string& label) {
    const DataType t = type_of(logits, "logits");
    if (logits.ndim() != 4) throw ShapeError("logits: must be [N, C, H, W]");
    py::array out(py::dtype(label), std::vector<py::ssize_t>{logits.shape(0), logits.shape(2), logits.shape(3)});
    const DataType lt = type_of(out, "label");
    with_kernels(variant, [&] {
        img::argmax(logits.data(), t, dim(logits, 0), dim(logits, 1), dim(logits, 2), dim(logits, 3),
                    out.mutable_data(), lt);
    });
    return out;
}

py::array kernel_normalize(const std::string& variant, const py::array& image, const std::vector<float>& mean,
                           const std::vector<float>& std, float maxval, const std::string& dtype) {
    const DataType t = type_of(image, "image");
    if (image.ndim() != 4) throw ShapeError("image: must be [N, H, W, C]");
    if (mean.size() != dim(image, 3) || std.size() != dim(image, 3)) throw ArgumentError("mean/std: one per channel");
    py::array out(py::dtype(dtype),
                  std::vector<py::ssize_t>{image.shape(0), image.shape(3), image.shape(1), image.shape(2)});
    const DataType ot = type_of(out, "dtype");
    with_kernels(variant, [&] {
        img::normalize(image.data(), t, dim(image, 0), dim(image, 1), dim(image, 2), dim(image, 3), maxval,
                       mean.data(), std.data(), out.mutable_data(), ot);
    });
    return out;
}

py::array kernel_colorize(const std::string& variant, const py::array& labels, const Exact<std::uint8_t>& colors) {
    const DataType t = type_of(labels, "labels");
    if (colors.ndim() != 2 || colors.shape(1) != 3) throw ShapeError("colors: must be [n, 3]");
    std::vector<img::Color> c(static_cast<std::size_t>(colors.shape(0)));
    std::memcpy(c.data(), colors.data(), c.size() * 3);
    const img::Palette palette(std::move(c));
    py::array_t<std::uint8_t> out(std::vector<py::ssize_t>{labels.size(), 3});
    with_kernels(variant, [&] {
        img::colorize(labels.data(), t, static_cast<std::size_t>(labels.size()), palette, out.mutable_data());
    });
    return out;
}

py::array kernel_softmax(const std::string& variant, const py::array& scores) {
    const DataType t = type_of(scores, "scores");
    if (scores.ndim() != 2) throw ShapeError("scores: must be [rows, cols]");
    py::array_t<float> out(std::vector<py::ssize_t>{scores.shape(0), scores.shape(1)});
    with_kernels(variant, [&] { img::softmax(scores.data(), t, dim(scores, 0), dim(scores, 1), out.mutable_data()); });
    return out;
}

py::array kernel_parse_pnm(const std::string& variant, const py::bytes& file) {
    const std::string data = file;
    img::Image image;
    with_kernels(variant, [&] {
        image = img::parse_pnm(reinterpret_cast<const std::uint8_t*>(data.data()), data.size(), "<bytes>");
    });
    const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(image.height), static_cast<py::ssize_t>(image.width),
                                         static_cast<py::ssize_t>(image.channels)};
    if (image.type == DataType::kUInt16)
        return py::array_t<std::uint16_t>(shape, image.pixels.as<std::uint16_t>());
    return py::array_t<std::uint8_t>(shape, image.pixels.data());
}

}  // namespace

void bind_image(py::module_& m) {
    // The C++ classes named after the guide's (the C++ segmentation_tutorial uses them).
    m.def("rgb_image_reader", [](const std::string& path, const std::vector<std::int64_t>& dims,
                                 const std::vector<float>& mean, const std::vector<float>& std) {
        img::RGBImageReader reader(path, dims, mean, std);
        reader.read();
        return py::array_t<float>(static_cast<py::ssize_t>(reader.volume()), reader.process().data());
    }, py::arg("path"), py::arg("dims"), py::arg("mean"), py::arg("std"));
    m.def("argmax_image_writer", &write_argmax_image<std::int64_t>, py::arg("path"), py::arg("dims"),
          py::arg("labels"), py::arg("base"), py::arg("num_classes"));
    m.def("argmax_image_writer", &write_argmax_image<std::int32_t>, py::arg("path"), py::arg("dims"),
          py::arg("labels"), py::arg("base"), py::arg("num_classes"));

    // CPU kernel variants (cpu_kernels.h). kernel_<op>(variant, ...) runs one op of this module's copy of the image
    // layer in that variant; _core's ops run what cpu_kernels() says (TRTCORE_CPU_KERNELS caps both).
    m.def("cpu_kernels", [] { return std::string(img::cpu_kernels_name(img::cpu_kernels())); },
          "The CPU kernel variant the image ops run (TRTCORE_CPU_KERNELS caps it)");
    m.def("supported_cpu_kernels", [] { return std::string(img::cpu_kernels_name(img::supported_cpu_kernels())); },
          "The widest CPU kernel variant this machine and build support");
    m.def("kernel_argmax", &kernel_argmax, py::arg("variant"), py::arg("logits"), py::arg("label") = "int64");
    m.def("kernel_normalize", &kernel_normalize, py::arg("variant"), py::arg("image"), py::arg("mean"),
          py::arg("std"), py::arg("maxval"), py::arg("dtype") = "float32");
    m.def("kernel_colorize", &kernel_colorize, py::arg("variant"), py::arg("labels"), py::arg("colors"));
    m.def("kernel_softmax", &kernel_softmax, py::arg("variant"), py::arg("scores"));
    m.def("kernel_parse_pnm", &kernel_parse_pnm, py::arg("variant"), py::arg("file"));

    // The float16 conversion normalize uses, checked against numpy over many values.
    m.def("float_to_half_bits", [](const Exact<float>& values) {
        py::array_t<std::uint16_t> bits(values.size());
        const float* s = values.data();
        std::uint16_t* d = bits.mutable_data();
        for (py::ssize_t i = 0; i < values.size(); ++i) d[i] = img::float_to_half(s[i]);
        return bits;
    }, py::arg("values"));
    m.def("half_bits_to_float", [](const Exact<std::uint16_t>& bits) {
        py::array_t<float> values(bits.size());
        const std::uint16_t* s = bits.data();
        float* d = values.mutable_data();
        for (py::ssize_t i = 0; i < bits.size(); ++i) d[i] = img::half_to_float(s[i]);
        return values;
    }, py::arg("bits"));
}

}  // namespace trtcore::bindings::testing
