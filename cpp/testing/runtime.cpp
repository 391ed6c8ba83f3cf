#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "testing/testing.h"
#include "common/error.h"
#include "runtime/plan.h"
#include "runtime/staging.h"
#include "runtime/testing_backend.h"
#ifdef TRTCORE_WITH_CUDA
#include "cuda/buffer.h"
#include "cuda/stream.h"
#endif
#include "runtime/backend.h"

namespace py = pybind11;

namespace trtcore::bindings::testing {

namespace {
TensorInfo tensor_from_tuple(const py::sequence& t, TensorIO io) {
    if (t.size() < 3) throw ArgumentError("a tensor is given as (name, dtype, shape[, ...])");
    TensorInfo info;
    info.name = t[0].cast<std::string>();
    info.io = io;
    info.dtype = dtype_from_name(t[1].cast<std::string>(), "tensor '" + info.name + "'");
    info.shape = t[2].cast<Shape>();
    return info;
}

#ifdef TRTCORE_WITH_CUDA
// CUDA RAII objects for the tests and the runtime benchmark's bare copy baseline (roundtrip).
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
                 const py::dtype dt = py::dtype::from_args(dtype);
                 const auto n = static_cast<std::size_t>(volume(shape, "pinned view")) * static_cast<std::size_t>(dt.itemsize());
                 if (n > b->capacity()) {
                     throw ArgumentError("pinned view of " + std::to_string(n) + " bytes over a buffer of " +
                                         std::to_string(b->capacity()));
                 }
                 return py::array(dt, shape, {}, b->data(), py::cast(b));
             }, py::arg("dtype"), py::arg("shape"), "A numpy array viewing this memory (keeps it alive).");
}
#endif
}  // namespace

void bind_runtime(py::module_& m) {
    using trtcore::testing::IdentityBackend;
    using trtcore::testing::IdentityOutput;
    py::class_<IdentityBackend, ExecutionBackend, std::shared_ptr<IdentityBackend>>(
        m, "IdentityBackend", "Each output is a device-to-device copy of one input (cudaMemcpyAsync).")
        .def(py::init([](const py::list& inputs, const py::list& outputs, const py::dict& profiles, int launches,
                         bool fail_enqueue) {
                 std::vector<TensorInfo> ins;
                 for (const auto& t : inputs) {
                     ins.push_back(tensor_from_tuple(t.cast<py::sequence>(), TensorIO::kInput));
                     if (profiles.contains(ins.back().name)) {
                         const auto p = profiles[py::str(ins.back().name)].cast<py::sequence>();
                         ins.back().profiles.push_back({p[0].cast<Shape>(), p[1].cast<Shape>(), p[2].cast<Shape>()});
                     }
                 }
                 std::vector<IdentityOutput> outs;
                 for (const auto& t : outputs) {
                     const auto seq = t.cast<py::sequence>();
                     if (seq.size() != 4) throw ArgumentError("an output is given as (name, dtype, shape, source input)");
                     outs.push_back({tensor_from_tuple(seq, TensorIO::kOutput), seq[3].cast<std::string>()});
                 }
                 return std::make_shared<IdentityBackend>(std::move(ins), std::move(outs), launches, fail_enqueue);
             }),
             py::arg("inputs"), py::arg("outputs"), py::arg("profiles") = py::dict(), py::arg("launches") = 1,
             py::arg("fail_enqueue") = false)
        .def_property_readonly("enqueue_count", &IdentityBackend::enqueue_count)
        .def("set_fail_enqueue", &IdentityBackend::set_fail_enqueue, py::arg("fail"))
        .def_property("capture_unsafe", &IdentityBackend::capture_unsafe, &IdentityBackend::set_capture_unsafe,
                      "Synchronise the stream inside enqueue: harmless in a plain run, fails CUDA graph capture.");

    // The planning step alone (cpp/runtime/plan.h, what Executor::run does first), without CUDA:
    // {name: (dtype, shape)} -> [{name, io, dtype, shape, nbytes}] in the backend's order.
    m.def("plan", [](ExecutionBackend& backend, const py::dict& specs) {
        std::vector<NamedArray> inputs;
        for (const auto& [key, value] : specs) {
            const auto name = key.cast<std::string>();
            const auto pair = value.cast<py::sequence>();
            NamedArray in{name, {}};
            in.array.dtype = dtype_from_name(pair[0].cast<std::string>(), "input '" + name + "'");
            in.array.shape = pair[1].cast<Shape>();
            inputs.push_back(std::move(in));
        }
        py::list out;
        for (const auto& t : make_plan(backend, inputs).tensors) {
            out.append(py::dict(py::arg("name") = t.name, py::arg("io") = io_name(t.io),
                                py::arg("dtype") = dtype_name(t.dtype), py::arg("shape") = py::tuple(py::cast(t.shape)),
                                py::arg("nbytes") = t.bytes));
        }
        return out;
    }, py::arg("backend"), py::arg("inputs"));

    // The executor's chunking of large host copies and its copy threads (cpp/runtime/staging.h), without CUDA.
    m.def("plan_chunks", [](std::size_t nbytes, std::size_t chunk_bytes, std::size_t min_chunked_bytes) {
        py::list out;
        for (const auto& c : plan_chunks(nbytes, StagingPolicy{chunk_bytes, min_chunked_bytes, 0})) {
            out.append(py::make_tuple(c.offset, c.bytes));
        }
        return out;
    }, py::arg("nbytes"), py::arg("chunk_bytes"), py::arg("min_chunked_bytes") = std::size_t{0});
    m.def("split_for_threads", [](std::size_t offset, std::size_t nbytes, std::size_t chunk_bytes, int threads) {
        py::list out;
        for (const auto& c : split_for_threads({offset, nbytes}, StagingPolicy{chunk_bytes, 0, threads})) {
            out.append(py::make_tuple(c.offset, c.bytes));
        }
        return out;
    }, py::arg("offset"), py::arg("nbytes"), py::arg("chunk_bytes"), py::arg("threads"));
    // Copies src's bytes into dst chunk by chunk on a CopyPool of `threads`. gated: the chunks are opened one by
    // one, in order, as the executor does when each D2H chunk has landed; abandon_after=k: only the first k are
    // opened, then the batch is dropped (what an exception in the executor does): chunks from k on stay untouched.
    m.def("pool_copy", [](py::array& dst, const py::array& src, std::size_t chunk_bytes, int threads, bool gated,
                          std::optional<std::size_t> abandon_after, bool streaming) {
        const auto bytes = static_cast<std::size_t>(src.nbytes());
        if (static_cast<std::size_t>(dst.nbytes()) < bytes) throw ArgumentError("pool_copy: dst is smaller than src");
        if (abandon_after && !gated) throw ArgumentError("pool_copy: abandon_after needs gated=True");
        char* out = static_cast<char*>(dst.mutable_data());
        const char* in = static_cast<const char*>(src.data());
        py::gil_scoped_release release;
        std::vector<CopyPool::Task> tasks;
        for (const auto& c : plan_chunks(bytes, StagingPolicy{chunk_bytes, 0, threads})) {
            tasks.push_back({out + c.offset, in + c.offset, c.bytes});
        }
        const std::size_t n = tasks.size();
        static CopyPool pool;  // kept, as an executor keeps its own: timing it measures copies, not thread starts
        pool.set_streaming(streaming);
        CopyPool::Batch batch = pool.start(std::move(tasks), gated, threads);
        if (!gated) return batch.wait_all();
        const std::size_t open = abandon_after ? std::min(*abandon_after, n) : n;
        for (std::size_t k = 0; k < open; ++k) batch.open(k);
        if (open == n) batch.wait_all();
        for (std::size_t k = 0; k < open; ++k) batch.wait(k);  // then ~Batch drops the rest
    }, py::arg("dst"), py::arg("src"), py::arg("chunk_bytes"), py::arg("threads"), py::arg("gated") = false,
       py::arg("abandon_after") = py::none(), py::arg("streaming") = true);

#ifdef TRTCORE_WITH_CUDA
    bind_cuda(m);
    // The bare baseline the runtime benchmark compares infer() with: pinned H2D + D2H of the same bytes, one sync;
    // with `device2`, a device-to-device copy between them (the identity backend's GPU work, without the executor).
    m.def("roundtrip",
          [](const py::array& src, const cuda::DeviceBuffer& device, py::array& dst, const cuda::Stream& stream,
             const cuda::DeviceBuffer* device2) {
              const auto bytes = static_cast<std::size_t>(src.nbytes());
              if (static_cast<std::size_t>(dst.nbytes()) < bytes || device.capacity() < bytes ||
                  (device2 != nullptr && device2->capacity() < bytes)) {
                  throw ArgumentError("roundtrip: dst, device and device2 must hold src.nbytes bytes");
              }
              const void* in = src.data();
              void* out = dst.mutable_data();
              py::gil_scoped_release release;
              cuda::copy_async(device.data(), in, bytes, cudaMemcpyHostToDevice, stream.get(), "roundtrip");
              const void* from = device.data();
              if (device2 != nullptr) {
                  cuda::copy_async(device2->data(), from, bytes, cudaMemcpyDeviceToDevice, stream.get(), "roundtrip");
                  from = device2->data();
              }
              cuda::copy_async(out, from, bytes, cudaMemcpyDeviceToHost, stream.get(), "roundtrip");
              stream.synchronize("roundtrip");
          },
          py::arg("src"), py::arg("device"), py::arg("dst"), py::arg("stream"), py::arg("device2") = nullptr);
#endif
}

}  // namespace trtcore::bindings::testing
