// Runtime glue without TensorRT: tensor descriptions, the ExecutionBackend base class (cpp/tensorrt's context
// binding and trtcore._testing's IdentityBackend derive from it), planning and the CUDA buffer/stream helpers. The
// Executor and the array exchange (numpy, DLPack, CUDA Array Interface) are in runtime_executor.cpp.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>

#include "bindings/bindings.h"
#include "bindings/runtime_executor.h"
#include "common/error.h"
#include "runtime/backend.h"
#include "runtime/plan.h"
#ifdef TRTCORE_WITH_CUDA
#include "cuda/buffer.h"
#include "cuda/check.h"
#include "cuda/stream.h"
#endif

namespace py = pybind11;

namespace trtcore::bindings {

namespace {
const char* io_name(TensorIO io) { return io == TensorIO::kInput ? "input" : "output"; }

#ifdef TRTCORE_WITH_CUDA
void bind_cuda(py::module_& parent) {
    auto m = parent.def_submodule("cuda", "CUDA RAII helpers (streams, device and pinned buffers)");
    py::class_<cuda::Stream, std::shared_ptr<cuda::Stream>>(m, "Stream", "An owned non-blocking CUDA stream.")
        .def(py::init([] { return std::make_shared<cuda::Stream>(cuda::Stream::create("cuda.Stream()")); }))
        .def_property_readonly("handle", [](const cuda::Stream& s) { return reinterpret_cast<std::uintptr_t>(s.get()); })
        .def("synchronize", [](const cuda::Stream& s) { s.synchronize("cuda.Stream.synchronize"); },
             py::call_guard<py::gil_scoped_release>());
    py::class_<cuda::DeviceBuffer, std::shared_ptr<cuda::DeviceBuffer>>(m, "DeviceBuffer", "cudaMalloc'ed memory.")
        // The GIL is released inside the factory only: pybind11 registers the new instance after it returns, and
        // that needs the GIL (a call_guard would release it around the registration too).
        .def(py::init([](std::size_t nbytes) {
                 py::gil_scoped_release release;
                 return std::make_shared<cuda::DeviceBuffer>(nbytes, "cuda.DeviceBuffer(" + std::to_string(nbytes) + ")");
             }),
             py::arg("nbytes"))
        .def_property_readonly("ptr", [](const cuda::DeviceBuffer& b) { return reinterpret_cast<std::uintptr_t>(b.data()); })
        .def_property_readonly("nbytes", &cuda::DeviceBuffer::capacity);
    py::class_<cuda::PinnedBuffer, std::shared_ptr<cuda::PinnedBuffer>>(m, "PinnedBuffer", "cudaHostAlloc'ed memory.")
        .def(py::init([](std::size_t nbytes) {
                 py::gil_scoped_release release;
                 return std::make_shared<cuda::PinnedBuffer>(nbytes, "cuda.PinnedBuffer(" + std::to_string(nbytes) + ")");
             }),
             py::arg("nbytes"))
        .def_property_readonly("ptr", [](const cuda::PinnedBuffer& b) { return reinterpret_cast<std::uintptr_t>(b.data()); })
        .def_property_readonly("nbytes", &cuda::PinnedBuffer::capacity)
        .def("array", [](const std::shared_ptr<cuda::PinnedBuffer>& b, const py::object& dtype, const Shape& shape) {
                 return pinned_view(b, py::dtype::from_args(dtype), shape);
             }, py::arg("dtype"), py::arg("shape"), "A numpy array viewing this memory (keeps it alive).");
}
#endif
}  // namespace

void bind_runtime(py::module_& m) {
    py::class_<ExecutionBackend, std::shared_ptr<ExecutionBackend>>(
        m, "ExecutionBackend", "What runs one inference on a CUDA stream (a TensorRT execution context, or a test backend).")
        // Copies: a TensorInfo handed to Python must not point into a backend that may be destroyed first.
        .def_property_readonly("tensors", [](const ExecutionBackend& b) { return b.tensors(); })
        .def("set_input_shape", &ExecutionBackend::set_input_shape, py::arg("name"), py::arg("shape"))
        .def("output_shape", [](const ExecutionBackend& b, const std::string& name) {
            return py::tuple(py::cast(b.output_shape(name)));
        }, py::arg("name"));

    // Planning without CUDA: {name: (dtype, shape)} -> [{name, io, dtype, shape, nbytes}] in the backend's order.
    m.def("plan", [](ExecutionBackend& backend, const py::dict& specs) {
        std::vector<InputSpec> inputs;
        for (const auto& [key, value] : specs) {
            const auto name = key.cast<std::string>();
            const auto pair = value.cast<py::sequence>();
            inputs.push_back({name, dtype_from_name(pair[0].cast<std::string>(), "input '" + name + "'"),
                              pair[1].cast<Shape>()});
        }
        py::list out;
        for (const auto& t : make_plan(backend, inputs).tensors) {
            py::dict d;
            d["name"] = t.name;
            d["io"] = io_name(t.io);
            d["dtype"] = dtype_name(t.dtype);
            d["shape"] = py::tuple(py::cast(t.shape));
            d["nbytes"] = t.bytes;
            out.append(d);
        }
        return out;
    }, py::arg("backend"), py::arg("inputs"));

#ifdef TRTCORE_WITH_CUDA
    bind_cuda(m);
#endif
    bind_executor(m);
}

}  // namespace trtcore::bindings
