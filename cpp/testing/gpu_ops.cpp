// trtcore._testing: the GPU image ops (cpp/image/cuda) and the CPU resize they are compared with, for tests.
// Glue only: GPU ops take CUDA arrays (__cuda_array_interface__, DLPack: read as bindings/vocabulary.h reads feeds) or
// numpy arrays (copied up to device memory, or to pinned host memory with memory="pinned" where the kernel reads
// host memory), run on `stream` (a cudaStream_t handle; 0: the legacy default stream) and come back as numpy
// arrays (copied down after the stream is synchronised; out_memory="pinned": the kernel writes pinned memory).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "testing/testing.h"
#include "bindings/bindings.h"
#include "common/error.h"
#include "common/tensor.h"
#include "image/resize.h"
#ifdef TRTCORE_WITH_CUDA_KERNELS
#include "cuda/buffer.h"
#include "cuda/check.h"
#include "image/cuda/argmax.h"
#include "image/cuda/colorize.h"
#include "image/cuda/normalize.h"
#include "image/cuda/overlay.h"
#include "image/cuda/resize.h"
#include "image/cuda/softmax.h"
#include "image/cuda/topk.h"
#include "image/postprocess.h"
#endif

namespace py = pybind11;
namespace img = trtcore::image;

namespace trtcore::bindings::testing {

namespace {

using Box = std::optional<std::vector<float>>;

img::ResizeBox resize_box(const Box& box) {
    img::ResizeBox b;
    if (!box) return b;
    if (box->size() != 4) throw ArgumentError("box: expected (x0, y0, x1, y1)");
    b = img::ResizeBox{(*box)[0], (*box)[1], (*box)[2], (*box)[3]};
    if (b.x1 < 0 || b.y1 < 0) throw ArgumentError("resize: the box can't exceed the image (negative x1/y1)");
    return b;
}

// An HW or HWC uint8 image's extents.
struct ImageDims {
    std::size_t height, width, channels;
};
ImageDims image_dims(const Shape& shape, const char* what) {
    if (shape.size() != 2 && shape.size() != 3)
        throw ShapeError(std::string(what) + ": expected an [H, W] or [H, W, C] image, got " +
                         std::to_string(shape.size()) + " dimensions");
    return {static_cast<std::size_t>(shape[0]), static_cast<std::size_t>(shape[1]),
            shape.size() == 3 ? static_cast<std::size_t>(shape[2]) : 1};
}

std::vector<py::ssize_t> resized_shape(const Shape& shape, std::size_t height, std::size_t width) {
    std::vector<py::ssize_t> out{static_cast<py::ssize_t>(height), static_cast<py::ssize_t>(width)};
    if (shape.size() == 3) out.push_back(static_cast<py::ssize_t>(shape[2]));
    return out;
}

using Crop = std::optional<std::vector<std::size_t>>;

// plan_resize to height x width from `box`, then cut to `crop` (top, left, height, width) when given.
img::ResizePlan plan_of(const ImageDims& d, std::size_t height, std::size_t width, const Box& box, const Crop& crop,
                        bool tall_vertical_first) {
    img::ResizePlan plan =
        img::plan_resize(d.height, d.width, d.channels, height, width, resize_box(box), tall_vertical_first);
    if (!crop) return plan;
    if (crop->size() != 4) throw ArgumentError("crop: expected (top, left, height, width)");
    return img::crop_resize_plan(std::move(plan), (*crop)[0], (*crop)[1], (*crop)[2], (*crop)[3]);
}

std::vector<py::ssize_t> plan_shape(const Shape& shape, const img::ResizePlan& plan) {
    return resized_shape(shape, plan.out_height, plan.out_width);
}

// A C-contiguous uint8 HW/HWC image resized on the CPU by the plan `plan_for(its dims)` makes.
template <typename PlanFor>
py::array cpu_resize_with(const py::array& image, PlanFor&& plan_for) {
    if (!(image.flags() & py::array::c_style)) throw ArgumentError("image: must be C-contiguous");
    if (!image.dtype().is(py::dtype::of<std::uint8_t>()))
        throw DTypeError("resize: the image must be uint8, got " + std::string(py::str(image.dtype())));
    const Shape shape(image.shape(), image.shape() + image.ndim());
    const img::ResizePlan plan = plan_for(image_dims(shape, "image"));
    py::array_t<std::uint8_t> out(plan_shape(shape, plan));
    const auto* src = static_cast<const std::uint8_t*>(image.data());
    std::uint8_t* dst = out.mutable_data();
    {
        py::gil_scoped_release release;
        img::resize(src, plan, dst);
    }
    return out;
}

py::array cpu_resize(const py::array& image, std::size_t height, std::size_t width, const Box& box,
                     bool tall_vertical_first, const Crop& crop) {
    return cpu_resize_with(image, [&](const ImageDims& d) {
        return plan_of(d, height, width, box, crop, tall_vertical_first);
    });
}

py::list resize_passes(std::size_t height, std::size_t width, std::size_t channels, std::size_t out_height,
                       std::size_t out_width, const Box& box, bool tall_vertical_first) {
    const img::ResizePlan plan =
        img::plan_resize(height, width, channels, out_height, out_width, resize_box(box), tall_vertical_first);
    py::list passes;
    for (const auto& p : plan.passes) {
        py::dict d;
        d["horizontal"] = p.horizontal;
        d["in_shape"] = py::make_tuple(p.in_height, p.in_width);
        d["out_shape"] = py::make_tuple(p.out_height, p.out_width);
        d["row_offset"] = p.row_offset;
        d["first"] = p.first;
        d["count"] = p.count;
        d["weights"] = py::array_t<std::int32_t>(std::vector<py::ssize_t>{static_cast<py::ssize_t>(p.first.size()),
                                                                           static_cast<py::ssize_t>(p.taps)},
                                                 p.weights.data());
        passes.append(d);
    }
    return passes;
}

py::array cpu_eval_resize(const py::array& image, std::size_t resize_size, std::size_t crop_size,
                          bool tall_vertical_first) {
    return cpu_resize_with(image, [&](const ImageDims& d) {
        return img::eval_resize_plan(d.height, d.width, d.channels,
                                     img::eval_transform_plan(d.height, d.width, resize_size, crop_size),
                                     tall_vertical_first);
    });
}

py::dict eval_plan(std::size_t height, std::size_t width, std::size_t resize_size, std::size_t crop_size) {
    const img::EvalTransformPlan p = img::eval_transform_plan(height, width, resize_size, crop_size);
    py::dict d;
    d["resize"] = py::make_tuple(p.resize_height, p.resize_width);
    d["crop"] = py::make_tuple(p.crop_top, p.crop_left, p.crop_height, p.crop_width);
    return d;
}

#ifdef TRTCORE_WITH_CUDA_KERNELS
cudaStream_t as_stream(std::uintptr_t handle) { return reinterpret_cast<cudaStream_t>(handle); }

// An input the kernel reads: a CUDA array in place, or a numpy array copied up.
struct GpuInput {
    const void* data = nullptr;
    DataType type = DataType::kUInt8;
    Shape shape;
    py::object keep;  // the CUDA array (or DLPack capsule) read in place
    cuda::DeviceBuffer device;
    cuda::PinnedBuffer pinned;
    std::size_t count() const {
        std::size_t n = 1;
        for (auto d : shape) n *= static_cast<std::size_t>(d);
        return n;
    }
};

DataType known_type(const std::optional<DataType>& t, const std::string& name, const std::string& described) {
    if (!t) throw DTypeError(name + ": unsupported dtype " + described);
    return *t;
}

GpuInput from_numpy(const std::string& name, const py::array& a, cudaStream_t stream, const std::string& memory) {
    if (!(a.flags() & py::array::c_style)) throw ArgumentError(name + ": must be C-contiguous");
    GpuInput in;
    in.type = known_type(find_dtype(py::str(a.dtype())), name, py::str(a.dtype()));
    in.shape.assign(a.shape(), a.shape() + a.ndim());
    const std::size_t bytes = static_cast<std::size_t>(a.nbytes());
    if (memory == "pinned") {
        in.pinned = cuda::PinnedBuffer(bytes, name);
        std::memcpy(in.pinned.data(), a.data(), bytes);
        in.data = in.pinned.data();
    } else if (memory == "device") {
        in.device = cuda::DeviceBuffer(bytes, name);
        // On the op's stream: a pageable copy is staged before this returns, and the kernel queued next sees it.
        cuda::copy_async(in.device.data(), a.data(), bytes, cudaMemcpyHostToDevice, stream, name + ": upload");
        in.data = in.device.data();
    } else {
        throw ArgumentError("memory: 'device' or 'pinned', got '" + memory + "'");
    }
    return in;
}

GpuInput gpu_input(const std::string& name, const py::handle& value, cudaStream_t stream,
                   const std::string& memory = "device") {
    if (py::isinstance<py::array>(value))
        return from_numpy(name, py::reinterpret_borrow<py::array>(value), stream, memory);
    FedArray fed = read_fed(name, value, [stream]() -> void* { return stream; });
    const ArrayView& a = fed.in.array;
    if (a.location == Location::kHost)
        return from_numpy(name, py::reinterpret_borrow<py::array>(fed.owner), stream, memory);
    GpuInput in;
    in.type = known_type(a.dtype, name, a.type);
    if (!a.c_contiguous) throw ArgumentError(name + ": the CUDA array must be C-contiguous");
    in.shape = a.shape;
    in.data = a.data;
    in.keep = fed.owner;
    cuda::pointer_device(in.data, name);  // a host pointer handed over as a CUDA array
    if (a.producer_stream)
        cuda::check(cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(*a.producer_stream)),
                    name + ": waiting for the producer's stream");
    return in;
}

// An output the kernel writes (device or pinned memory), copied into a numpy array once the stream is done.
class GpuOutput {
public:
    GpuOutput(const std::string& name, DataType type, std::vector<py::ssize_t> shape, const std::string& memory)
        : array_(py::dtype(dtype_name(type)), shape), bytes_(static_cast<std::size_t>(array_.nbytes())) {
        if (memory == "pinned") pinned_ = cuda::PinnedBuffer(bytes_, name);
        else if (memory == "device") device_ = cuda::DeviceBuffer(bytes_, name);
        else throw ArgumentError("out_memory: 'device' or 'pinned', got '" + memory + "'");
        host_ = array_.mutable_data();
    }
    template <typename T = void> T* data() const {
        return static_cast<T*>(pinned_.data() != nullptr ? pinned_.data() : device_.data());
    }
    // Queues the download (device memory) on `stream`; after finish() the array holds the result.
    void download(cudaStream_t stream) {
        if (device_.data() != nullptr)
            cuda::copy_async(host_, device_.data(), bytes_, cudaMemcpyDeviceToHost, stream, "download");
    }
    void finish() {
        if (pinned_.data() != nullptr) std::memcpy(host_, pinned_.data(), bytes_);
    }
    py::array array() const { return array_; }

private:
    py::array array_;
    std::size_t bytes_;
    void* host_ = nullptr;
    cuda::DeviceBuffer device_;
    cuda::PinnedBuffer pinned_;
};

void synchronize(cudaStream_t stream, const char* op) {
    cuda::check(cudaStreamSynchronize(stream), std::string(op) + ": synchronising the stream");
}

std::vector<py::ssize_t> dims(std::initializer_list<std::int64_t> d) { return {d.begin(), d.end()}; }

img::Palette palette_of(const py::array_t<std::uint8_t, py::array::c_style>& colors) {
    if (colors.ndim() != 2 || colors.shape(1) != 3) throw ShapeError("colors: must be [n, 3] uint8");
    std::vector<img::Color> c(static_cast<std::size_t>(colors.shape(0)));
    std::memcpy(c.data(), colors.data(), c.size() * 3);
    return img::Palette(std::move(c));
}

py::array gpu_normalize(const py::handle& image, const std::vector<float>& mean, const std::vector<float>& std,
                        float maxval, const std::string& dtype, const std::optional<std::vector<std::size_t>>& place,
                        std::uintptr_t stream_handle, const std::string& memory) {
    const cudaStream_t stream = as_stream(stream_handle);
    GpuInput in = gpu_input("image", image, stream, memory);
    if (in.shape.size() != 4) throw ShapeError("image: must be [N, H, W, C]");
    const auto n = static_cast<std::size_t>(in.shape[0]), h = static_cast<std::size_t>(in.shape[1]),
               w = static_cast<std::size_t>(in.shape[2]), c = static_cast<std::size_t>(in.shape[3]);
    if (mean.size() != c || std.size() != c) throw ArgumentError("mean/std: one per channel");
    img::gpu::Placement p;
    if (place) {
        if (place->size() != 4) throw ArgumentError("placement: (height, width, top, left)");
        p = {(*place)[0], (*place)[1], (*place)[2], (*place)[3]};
    }
    const std::size_t oh = p.height ? p.height : h, ow = p.width ? p.width : w;
    const DataType out_type = dtype_from_name(dtype, "dtype");
    GpuOutput out("normalize output", out_type,
                  dims({in.shape[0], in.shape[3], static_cast<std::int64_t>(oh), static_cast<std::int64_t>(ow)}),
                  "device");
    {
        py::gil_scoped_release release;
        img::gpu::normalize(in.data, in.type, n, h, w, c, maxval, mean.data(), std.data(), out.data(), out_type, stream,
                            p);
        out.download(stream);
        synchronize(stream, "normalize");
    }
    return out.array();
}

py::array gpu_argmax(const py::handle& logits, const std::string& label, std::uintptr_t stream_handle,
                     const std::string& out_memory) {
    const cudaStream_t stream = as_stream(stream_handle);
    GpuInput in = gpu_input("logits", logits, stream);
    if (in.shape.size() != 4) throw ShapeError("logits: must be [N, C, H, W]");
    const DataType label_type = dtype_from_name(label, "label");
    const auto& s = in.shape;
    GpuOutput out("argmax labels", label_type, dims({s[0], s[2], s[3]}), out_memory);
    {
        py::gil_scoped_release release;
        img::gpu::argmax(in.data, in.type, static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1]),
                         static_cast<std::size_t>(s[2]), static_cast<std::size_t>(s[3]), out.data(), label_type,
                         stream);
        out.download(stream);
        synchronize(stream, "argmax");
        out.finish();
    }
    return out.array();
}

// Benchmarks: `repeat` argmax launches from one CUDA array of logits into another of labels (torch tensors), queued
// on `stream` without synchronising, so that CUDA events around them time the kernel alone, as they time torch's.
void launch_argmax(const py::handle& logits, const py::handle& labels, std::uintptr_t stream_handle, int repeat) {
    const cudaStream_t stream = as_stream(stream_handle);
    const GpuInput in = gpu_input("logits", logits, stream), out = gpu_input("labels", labels, stream);
    if (in.keep.is_none() || out.keep.is_none())
        throw ArgumentError("launch_argmax: logits and labels must be CUDA arrays");
    const auto& s = in.shape;
    if (s.size() != 4 || out.shape != Shape{s[0], s[2], s[3]})
        throw ShapeError("launch_argmax: [N, C, H, W] -> [N, H, W]");
    py::gil_scoped_release release;
    for (int i = 0; i < repeat; ++i)
        img::gpu::argmax(in.data, in.type, static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1]),
                         static_cast<std::size_t>(s[2]), static_cast<std::size_t>(s[3]),
                         const_cast<void*>(out.data), out.type, stream);
}

py::array gpu_colorize(const py::handle& labels, const py::array_t<std::uint8_t, py::array::c_style>& colors,
                       std::uintptr_t stream_handle, const std::string& out_memory) {
    const cudaStream_t stream = as_stream(stream_handle);
    GpuInput in = gpu_input("labels", labels, stream);
    const img::Palette palette = palette_of(colors);
    std::vector<py::ssize_t> shape(in.shape.begin(), in.shape.end());
    shape.push_back(3);
    GpuOutput out("colorize output", DataType::kUInt8, shape, out_memory);
    {
        py::gil_scoped_release release;
        const img::gpu::DevicePalette device_palette(palette, "colorize");
        img::gpu::IdCheck check("colorize");
        img::gpu::colorize(in.data, in.type, in.count(), device_palette, out.data<std::uint8_t>(), check, stream);
        out.download(stream);
        synchronize(stream, "colorize");
        check.raise_if_bad(in.data, in.type, palette.size());
        out.finish();
    }
    return out.array();
}

py::array gpu_resize(const py::handle& image, std::size_t height, std::size_t width, const Box& box,
                     bool tall_vertical_first, const Crop& crop, std::uintptr_t stream_handle,
                     const std::string& memory, const std::string& out_memory) {
    const cudaStream_t stream = as_stream(stream_handle);
    GpuInput in = gpu_input("image", image, stream, memory);
    if (in.type != DataType::kUInt8)
        throw DTypeError(std::string("resize: the image must be uint8, got ") + dtype_name(in.type));
    const ImageDims d = image_dims(in.shape, "image");
    img::ResizePlan plan = plan_of(d, height, width, box, crop, tall_vertical_first);
    GpuOutput out("resize output", DataType::kUInt8, plan_shape(in.shape, plan), out_memory);
    {
        py::gil_scoped_release release;
        const img::gpu::DeviceResize device_resize(std::move(plan), "resize");
        img::gpu::resize(static_cast<const std::uint8_t*>(in.data), device_resize, out.data<std::uint8_t>(), stream);
        out.download(stream);
        synchronize(stream, "resize");
        out.finish();
    }
    return out.array();
}

py::array gpu_softmax(const py::handle& scores, std::uintptr_t stream_handle) {
    const cudaStream_t stream = as_stream(stream_handle);
    GpuInput in = gpu_input("scores", scores, stream);
    if (in.shape.size() != 2) throw ShapeError("scores: must be [rows, cols]");
    GpuOutput out("softmax output", DataType::kFloat32, dims({in.shape[0], in.shape[1]}), "device");
    {
        py::gil_scoped_release release;
        img::gpu::softmax(in.data, in.type, static_cast<std::size_t>(in.shape[0]),
                          static_cast<std::size_t>(in.shape[1]), out.data<float>(), stream);
        out.download(stream);
        synchronize(stream, "softmax");
    }
    return out.array();
}

py::tuple gpu_topk(const py::handle& scores, std::size_t k, bool values, std::uintptr_t stream_handle,
                   const std::string& out_memory) {
    const cudaStream_t stream = as_stream(stream_handle);
    GpuInput in = gpu_input("scores", scores, stream);
    if (in.shape.size() != 2) throw ShapeError("scores: must be [rows, cols]");
    const auto rows = static_cast<std::int64_t>(in.shape[0]), kk = static_cast<std::int64_t>(k);
    GpuOutput indices("topk indices", DataType::kInt64, dims({rows, kk}), out_memory);
    GpuOutput vals("topk values", DataType::kFloat32, dims({rows, kk}), out_memory);
    {
        py::gil_scoped_release release;
        img::gpu::topk(in.data, in.type, static_cast<std::size_t>(in.shape[0]), static_cast<std::size_t>(in.shape[1]),
                       k, indices.data<std::int64_t>(), values ? vals.data<float>() : nullptr, stream);
        indices.download(stream);
        if (values) vals.download(stream);  // else never written: not read either (compute-sanitizer initcheck)
        synchronize(stream, "topk");
        indices.finish();
        if (values) vals.finish();
    }
    return py::make_tuple(indices.array(), values ? py::object(vals.array()) : py::object(py::none()));
}

py::array gpu_overlay(const py::handle& image, const py::handle& labels,
                      const py::array_t<std::uint8_t, py::array::c_style>& colors, double alpha,
                      std::uintptr_t stream_handle, const std::string& memory, const std::string& out_memory) {
    const cudaStream_t stream = as_stream(stream_handle);
    GpuInput pic = gpu_input("image", image, stream, memory);
    GpuInput ids = gpu_input("labels", labels, stream);
    if (pic.shape.size() != 3 || pic.shape[2] != 3) throw ShapeError("image: must be [H, W, 3]");
    if (ids.count() != pic.count() / 3)
        throw ShapeError("overlay: " + std::to_string(ids.count()) + " labels for " + std::to_string(pic.count() / 3) +
                         " pixels");
    const img::Palette palette = palette_of(colors);
    GpuOutput out("overlay output", DataType::kUInt8, dims({pic.shape[0], pic.shape[1], 3}), out_memory);
    {
        py::gil_scoped_release release;
        const img::gpu::DevicePalette device_palette(palette, "overlay");
        img::gpu::IdCheck check("overlay");
        img::gpu::overlay(pic.data, pic.type, ids.data, ids.type, ids.count(), device_palette, alpha,
                          out.data<std::uint8_t>(), check, stream);
        out.download(stream);
        synchronize(stream, "overlay");
        check.raise_if_bad(ids.data, ids.type, palette.size());
        out.finish();
    }
    return out.array();
}
#endif

}  // namespace

void bind_gpu_ops(py::module_& m) {
    m.def("resize", &cpu_resize, py::arg("image"), py::arg("height"), py::arg("width"), py::arg("box") = py::none(),
          py::arg("tall_vertical_first") = true, py::arg("crop") = py::none(), "The C++ CPU bilinear resize (Pillow's BILINEAR on uint8, bit-exact) of an [H, W] or [H, W, C] image");
    m.def("resize_passes", &resize_passes, py::arg("height"), py::arg("width"), py::arg("channels"),
          py::arg("out_height"), py::arg("out_width"), py::arg("box") = py::none(),
          py::arg("tall_vertical_first") = true, "The resize plan's passes (Pillow's order, taps and fixed-point weights)");
    m.def("eval_resize", &cpu_eval_resize, py::arg("image"), py::arg("resize_size"), py::arg("crop_size"),
          py::arg("tall_vertical_first") = true,
          "torchvision's Resize(resize_size) + CenterCrop(crop_size) on the CPU as one cut resize plan");
    m.def("eval_transform_plan", &eval_plan, py::arg("height"), py::arg("width"), py::arg("resize_size"),
          py::arg("crop_size"), "torchvision's Resize(resize_size) + CenterCrop(crop_size) geometry");
#ifdef TRTCORE_WITH_CUDA_KERNELS
    m.attr("has_cuda_kernels") = true;
    m.def("gpu_normalize", &gpu_normalize, py::arg("image"), py::arg("mean"), py::arg("std"), py::arg("maxval"),
          py::arg("dtype") = "float32", py::arg("placement") = py::none(), py::arg("stream") = 0,
          py::arg("memory") = "device");
    m.def("gpu_argmax", &gpu_argmax, py::arg("logits"), py::arg("label") = "int64", py::arg("stream") = 0,
          py::arg("out_memory") = "device");
    m.def("launch_argmax", &launch_argmax, py::arg("logits"), py::arg("labels"), py::arg("stream"),
          py::arg("repeat") = 1);
    m.def("gpu_colorize", &gpu_colorize, py::arg("labels"), py::arg("colors"), py::arg("stream") = 0,
          py::arg("out_memory") = "device");
    m.def("gpu_resize", &gpu_resize, py::arg("image"), py::arg("height"), py::arg("width"), py::arg("box") = py::none(),
          py::arg("tall_vertical_first") = true, py::arg("crop") = py::none(), py::arg("stream") = 0, py::arg("memory") = "device", py::arg("out_memory") = "device");
    m.def("gpu_softmax", &gpu_softmax, py::arg("scores"), py::arg("stream") = 0);
    m.def("gpu_topk", &gpu_topk, py::arg("scores"), py::arg("k"), py::arg("values") = true, py::arg("stream") = 0,
          py::arg("out_memory") = "device");
    m.def("gpu_overlay", &gpu_overlay, py::arg("image"), py::arg("labels"), py::arg("colors"), py::arg("alpha") = 0.5,
          py::arg("stream") = 0, py::arg("memory") = "device", py::arg("out_memory") = "device");
#else
    m.attr("has_cuda_kernels") = false;
#endif
}

}  // namespace trtcore::bindings::testing
