// Glue for cpp/pipeline: _core.GpuPipeline, the GPU pre -> model -> post sequence over an ExecutionBackend
// (python/trtcore/pipelines/gpu.py keeps one per thread for the Classifier and the Segmenter).
#ifdef TRTCORE_WITH_CUDA_KERNELS
#include <array>

#include "bindings/bindings.h"
#include "pipeline/gpu_pipeline.h"

namespace trtcore::bindings {

namespace {
using pipeline::GpuPipeline;

// A per-pixel result in the pipeline's pinned buffers: an array holding its lent buffer, else a numpy copy (made on
// the copy threads); copy=False: a view the next run overwrites.
py::object result(const py::object& self, const void* data, DataType t, const Shape& shape, bool copy,
                  const pipeline::ResultBuffers& buffers) {
    const py::dtype dt = numpy_dtype(t, "result");
    if (!copy) return py::array(dt, shape, {}, data, self);
    if (const auto lent = buffers.lend()) return py::array(dt, shape, {}, lent->data(), owning_capsule(lent));
    py::array out(dt, shape);
    void* dst = out.mutable_data();
    auto& p = self.cast<GpuPipeline&>();
    without_gil([&] { p.copy_out(dst, data, static_cast<std::size_t>(out.nbytes())); });
    return std::move(out);
}

// The image (numpy, or a CUDA array: torch/cupy, DLPack, __cuda_array_interface__), kept alive through the run.
FedArray image_arg(GpuPipeline& p, const py::object& image) {
    return read_fed("image", image, [&]() -> void* { return p.stream(); });
}

// resize=(height, width, top, left, crop height, crop width): pipeline::ResizeRequest.
using Resize = std::optional<std::array<std::size_t, 6>>;
std::optional<pipeline::ResizeRequest> resize_request(const Resize& r, bool tall_vertical_first) {
    if (!r) return std::nullopt;
    return pipeline::ResizeRequest{(*r)[0], (*r)[1], (*r)[2], (*r)[3], (*r)[4], (*r)[5], tall_vertical_first};
}
}  // namespace

void bind_pipeline(py::module_& m) {
    py::class_<GpuPipeline>(m, "GpuPipeline", "Image in, labels / top-k out on the GPU (C++ pipeline::GpuPipeline).")
        .def(py::init([](std::shared_ptr<ExecutionBackend> backend, const std::string& input, const std::string& output,
                         std::vector<float> mean, std::vector<float> std, float maxval, bool pad, bool cuda_graph) {
            pipeline::Preprocess pre{std::move(mean), std::move(std), maxval, pad};
            return std::make_unique<GpuPipeline>(std::move(backend), input, output, pre, std::nullopt, cuda_graph);
        }), "backend"_a, "input"_a, "output"_a, "mean"_a, "std"_a, "maxval"_a, "pad"_a = false, "cuda_graph"_a = true)
        .def("segment", [](const py::object& self, const py::object& image, bool labels, const std::string& dtype,
                           const image::Palette* palette, bool copy, const Resize& resize, bool tall_vertical_first) {
            auto& p = self.cast<GpuPipeline&>();
            const FedArray im = image_arg(p, image);
            const pipeline::SegmentRequest request{labels, dtype_from_name(dtype, "labels dtype"), palette};
            without_gil([&] { p.segment(im.in.array, request, resize_request(resize, tall_vertical_first)); });
            const Shape hw{static_cast<std::int64_t>(p.result_height()), static_cast<std::int64_t>(p.result_width())};
            return py::make_tuple(
                labels ? result(self, p.labels(), p.label_type(), hw, copy, p.labels_buffers()) : py::none(),
                palette ? result(self, p.colors(), DataType::kUInt8, {hw[0], hw[1], 3}, copy, p.colors_buffers())
                        : py::none());
        }, "image"_a, "labels"_a = true, "labels_dtype"_a = "int64", "palette"_a = nullptr, "copy"_a = true,
           "resize"_a = py::none(), "tall_vertical_first"_a = true)
        .def("classify", [](const py::object& self, const py::object& image, std::size_t k, bool softmax,
                            const Resize& resize, bool tall_vertical_first) {
            auto& p = self.cast<GpuPipeline&>();
            const FedArray im = image_arg(p, image);
            without_gil([&] { p.classify(im.in.array, k, softmax, resize_request(resize, tall_vertical_first)); });
            const auto n = static_cast<py::ssize_t>(p.top_k());
            return py::make_tuple(py::array_t<std::int64_t>(n, p.indices()), py::array_t<float>(n, p.values()),
                                  p.classes());
        }, "image"_a, "k"_a, "softmax"_a = false, "resize"_a = py::none(), "tall_vertical_first"_a = true)
        .def_property_readonly("input_shape", &GpuPipeline::input_shape)
        .def("set_stage_timing", &GpuPipeline::set_stage_timing, "on"_a)
        .def_property("zero_copy", &GpuPipeline::zero_copy, &GpuPipeline::set_zero_copy)
        .def_property_readonly("stats", [](const GpuPipeline& p) {
            py::dict stats = as_dict(p.stats().fields());
            stats["stage_seconds"] = as_dict(p.stats().last.fields());
            return stats;
        });
}

}  // namespace trtcore::bindings
#endif  // TRTCORE_WITH_CUDA_KERNELS
