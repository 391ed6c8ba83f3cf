#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bindings/testing/testing.h"
#include "common/error.h"
#include "image/cpu_kernels.h"
#include "image/guide_io.h"
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

    // Which CPU kernel variant the image ops run (cpu_kernels.h): tests run each op under every variant the machine
    // has and compare with "scalar"; benchmarks print the one that ran.
    m.def("set_cpu_kernels", &img::set_cpu_kernels, py::arg("name"),
          "Cap the image ops' CPU kernels: scalar, baseline, avx2, avx512 or auto");
    m.def("cpu_kernels", [] { return std::string(img::cpu_kernels_name(img::cpu_kernels())); },
          "The CPU kernel variant the image ops run now");
    m.def("supported_cpu_kernels", [] { return std::string(img::cpu_kernels_name(img::supported_cpu_kernels())); },
          "The widest CPU kernel variant this machine and build support");

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
