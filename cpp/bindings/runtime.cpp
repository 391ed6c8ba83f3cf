// _core.ExecutionBackend (cpp/tensorrt's Context and _testing's IdentityBackend derive from it), _core.Executor and
// _core.DeviceArray: feeds read by read_fed, outputs as numpy arrays or DeviceArrays, the GIL released around the
// run, and what an asynchronous run still reads kept alive. The sequencing itself is cpp/runtime/executor.cpp.
#include "bindings/bindings.h"
#include "runtime/backend.h"
#ifdef TRTCORE_WITH_CUDA
#include "cuda/buffer.h"
#include "cuda/stream.h"
#include "runtime/device_array.h"
#include "runtime/dlpack.h"
#include "runtime/executor.h"
#include "runtime/pending_runs.h"
#endif

namespace trtcore::bindings {
#ifdef TRTCORE_WITH_CUDA
namespace {
// A feed read for Executor::run, with the Python objects the run reads: host arrays (and converted copies) are
// staged inside run(), so they are needed only until it returns; CUDA arrays are read until the run completes.
struct Feed {
    std::vector<NamedArray> arrays, targets;  // the inputs; out= arrays for RunOptions::targets
    std::vector<py::object> keep_host;
    std::vector<PendingRuns::Handle> keep_device;
    py::dict out;  // the out= arrays by name, returned as they are
};

// {name: array} -> Feed for the executor's run, which checks it with check_feed. With `cast` check_feed runs here
// first and the host arrays it lists are converted once (astype); a non-contiguous host array is copied once.
Feed convert_feed(Executor& ex, const py::object& obj, std::optional<cudaStream_t> stream, bool cast) {
    const auto consumer = [&]() -> void* {  // ex.stream() takes the executor's lock, held by a running run(): no GIL
        return stream ? *stream : without_gil([&] { return ex.stream(); });
    };
    Feed feed;
    std::vector<py::object> owners;
    for (const auto& [name, value] : feed_items(obj)) {
        FedArray fed = read_fed(name, value, consumer);
        feed.arrays.push_back(std::move(fed.in));
        owners.push_back(std::move(fed.owner));
    }
    if (cast) {
        for (const auto i : check_feed(ex.tensors(), feed.arrays, FeedCheck{true, std::nullopt})) {
            const std::string& name = feed.arrays[i].name;
            const py::dtype want = numpy_dtype(find_tensor(ex.tensors(), name).dtype, "input '" + name + "'");
            owners[i] = owners[i].attr("astype")(want);
        }
    }
    for (std::size_t i = 0; i < owners.size(); ++i) {
        ArrayView& a = feed.arrays[i].array;
        if (a.location == Location::kDevice) {
            // An opaque handle for the executor's PendingRuns, dropped with the GIL held (prune, clear, ~Feed).
            feed.keep_device.emplace_back(owners[i].release().ptr(),
                                          [](void* p) { Py_DECREF(static_cast<PyObject*>(p)); });
            continue;
        }
        auto arr = py::reinterpret_borrow<py::array>(owners[i]);
        if (!(arr.flags() & py::array::c_style)) arr = py::array::ensure(arr, py::array::c_style);
        if (arr.data() != a.data) a = array_view(arr);  // converted, or made contiguous
        feed.keep_host.push_back(std::move(arr));
    }
    return feed;
}

// out={name: numpy array} into feed.targets (which the executor checks) and feed.out.
void read_targets(Feed& feed, const py::object& out) {
    if (out.is_none()) return;
    for (const auto& [name, value] : str_items(out, "out must be a dict {output name: numpy array}",
                                               "out keys must be output names (str)")) {
        if (!py::isinstance<py::array>(value)) {
            throw ArgumentError("out['" + name + "']: expected a numpy array, got " + type_name(value));
        }
        feed.targets.push_back({name, array_view(py::reinterpret_borrow<py::array>(value))});
        feed.out[py::str(name)] = value;
    }
}

// DLPack export of `a` for a consumer on `stream` (None: the legacy default stream; -1: no ordering).
py::capsule dlpack_capsule(const DeviceArray& a, const py::object& stream) {
    auto managed = a.to_dlpack(stream.is_none() ? std::nullopt : std::optional<long long>(stream.cast<long long>()));
    py::capsule capsule(managed.get(), "dltensor", [](PyObject* c) {
        // A consumer renames the capsule once it owns the tensor; an unconsumed one is freed here.
        if (PyCapsule_IsValid(c, "dltensor")) {
            dlpack::ManagedTensorDeleter()(static_cast<dlpack::DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor")));
        }
    });
    managed.release();  // owned by the capsule (or its consumer) from here on
    return capsule;
}

// A writable numpy array over `buffer` (a shared_ptr to host memory sized for it), which its base keeps alive.
template <typename Buffer>
py::array array_over(const Buffer& buffer, DataType t, const Shape& shape, const std::string& what) {
    return py::array(numpy_dtype(t, what), shape, {}, buffer->data(), owning_capsule(buffer));
}

// One output: a numpy array (an owned copy made under the executor's lock, or a pinned staging view), or a DeviceArray.
py::object to_python(const OutputArray& o, const std::shared_ptr<cuda::Event>& ready, cudaStream_t stream) {
    if (o.location == Location::kDevice) {
        return py::cast(DeviceArray{o.device, o.shape, o.dtype, o.bytes, o.device_index, ready, stream});
    }
    const std::string what = "output '" + o.name + "'";
    return o.owned ? array_over(o.owned, o.dtype, o.shape, what) : array_over(o.host, o.dtype, o.shape, what);
}

// The Executor and the Python objects asynchronous runs still read.
struct PyExecutor {
    PendingRuns pending;
    std::unique_ptr<Executor> impl;

    PyExecutor(std::shared_ptr<ExecutionBackend> backend, std::optional<cudaStream_t> stream, bool graph, bool timing)
        : impl(std::make_unique<Executor>(std::move(backend), stream, graph)) { impl->set_stage_timing(timing); }
    // Called with the GIL held. ~Executor waits for the GPU: without the GIL, so other Python threads run
    // meanwhile; the Python objects its runs read are dropped afterwards, with the GIL.
    ~PyExecutor() {
        without_gil([&] { impl.reset(); });
        pending.clear();
    }
    // Waits for every run (without the GIL), then drops what they kept alive.
    void synchronize() {
        without_gil([&] { impl->synchronize(); });
        pending.clear();
    }
    const std::vector<TensorInfo>& tensors() const { return impl->tensors(); }
    ExecutorStats stats() const { return without_gil([&] { return impl->stats(); }); }  // the executor's lock
};

// An Executor's staging setting (runtime/staging.h) as a property, read and written under the executor's lock.
template <typename T>
void def_staging(py::class_<PyExecutor>& cls, const char* name, T StagingPolicy::*member, const char* doc) {
    cls.def_property(name, nogil([member](const PyExecutor& self) { return self.impl->staging().*member; }),
                     nogil([member](PyExecutor& self, T value) {
                         StagingPolicy policy = self.impl->staging();
                         policy.*member = value;
                         self.impl->set_staging(policy);
                     }), doc);
}

// A cudaStream_t from None, an int handle, or a torch.cuda.Stream / cupy Stream (.cuda_stream / .ptr / .handle).
std::optional<cudaStream_t> stream_arg(const py::object& stream) {
    if (stream.is_none()) return std::nullopt;
    const auto is_handle = [](const py::handle& h) {
        return py::isinstance<py::int_>(h) && !py::isinstance<py::bool_>(h);
    };
    py::object handle = stream;
    for (const char* attr : {"cuda_stream", "ptr", "handle"}) {
        if (!is_handle(handle) && py::hasattr(stream, attr)) handle = stream.attr(attr);
    }
    if (is_handle(handle)) return reinterpret_cast<cudaStream_t>(handle.cast<std::uintptr_t>());
    throw ArgumentError("stream must be an int (cudaStream_t) or a torch/cupy stream, got " + type_name(stream));
}

py::dict run(PyExecutor& self, const py::object& feed_obj, bool copy_outputs, const std::string& output_device,
             std::optional<cudaStream_t> stream, bool synchronize, bool cast, const py::object& out = py::none()) {
    const Location outputs = output_location(output_device);
    self.pending.prune();
    Feed feed = convert_feed(*self.impl, feed_obj, stream, cast);
    read_targets(feed, out);
    QueuedRun run = without_gil([&] {  // it takes the executor's lock and may wait for the GPU
        return run_queued(*self.impl, feed.arrays, outputs, copy_outputs, synchronize, stream,
                          !feed.keep_device.empty(), std::move(feed.targets));
    });
    self.pending.after_run(synchronize, std::move(run.done), std::move(feed.keep_device));
    if (run.graph_warning) {
        py::module_::import("logging").attr("getLogger")("trtcore.runtime").attr("warning")(*run.graph_warning);
    }
    py::dict result;
    for (const auto& o : run.outputs) {
        const py::str name(o.name);
        result[name] = o.in_target ? py::object(feed.out[name]) : to_python(o, run.ready, run.stream);
    }
    return result;
}
}  // namespace

void bind_executor(py::module_& m) {
    py::class_<DeviceArray>(m, "DeviceArray",
                            "A CUDA array returned by Executor.infer(output_device='cuda'); torch.from_dlpack, "
                            "cupy.from_dlpack, torch.as_tensor and cupy.asarray take it without a copy.")
        .def_property_readonly("shape", [](const DeviceArray& a) { return shape_tuple(a.shape); })
        .def_property_readonly("dtype", [](const DeviceArray& a) { return dtype_name(a.dtype); })
        .def_readonly("nbytes", &DeviceArray::nbytes)
        .def_property_readonly("ptr", &DeviceArray::ptr)
        .def_readonly("device", &DeviceArray::device)
        .def_property_readonly("__cuda_array_interface__", [](const DeviceArray& a) {
            return py::dict("shape"_a = shape_tuple(a.shape), "typestr"_a = a.typestr(), "strides"_a = py::none(),
                            "data"_a = py::make_tuple(a.ptr(), false), "version"_a = 3, "stream"_a = a.cai_stream());
        })
        .def("__dlpack__", [](const DeviceArray& a, const py::object& stream, const py::object&, const py::object&,
                              const py::object&) { return dlpack_capsule(a, stream); },
             py::kw_only(), "stream"_a = py::none(), "max_version"_a = py::none(), "dl_device"_a = py::none(),
             "copy"_a = py::none())
        .def("__dlpack_device__",
             [](const DeviceArray& a) { return py::make_tuple(static_cast<int>(dlpack::kDLCUDA), a.device); })
        .def("numpy", [](const DeviceArray& a) {
            py::array out(numpy_dtype(a.dtype, "DeviceArray"), a.shape);
            void* dst = out.mutable_data();
            without_gil([&] { a.copy_to_host(dst); });
            return out;
        }, "Copies to a new numpy array (waits for an asynchronous result first).")
        .def("__repr__", &DeviceArray::repr);

    py::class_<PyExecutor> cls(m, "Executor",
                               "Runs one ExecutionBackend on one CUDA stream: copy-in, enqueue, copy-out, feeds "
                               "checked once (trtcore.runtime says how). Constructing makes no CUDA call.");
    cls.def(py::init([](std::shared_ptr<ExecutionBackend> backend, const py::object& stream, bool graph, bool timing) {
           return std::make_unique<PyExecutor>(std::move(backend), stream_arg(stream), graph, timing);
       }), "backend"_a, "stream"_a = py::none(), "cuda_graph"_a = false, "stage_timing"_a = false)
        .def("infer", [](PyExecutor& self, const py::object& feed, bool copy_outputs, const std::string& output_device,
                         bool cast, const py::object& out) {
            return run(self, feed, copy_outputs, output_device, std::nullopt, true, cast, out);
        }, "feed"_a, "copy_outputs"_a = true, "output_device"_a = "cpu", py::kw_only(), "cast"_a = false,
           "out"_a = py::none(), "Run once and wait: {input name: array} -> {output name: numpy array | DeviceArray}.")
        .def("infer_async", [](PyExecutor& self, const py::object& feed, const py::object& stream,
                               const std::string& output_device, bool cast) {
            return run(self, feed, false, output_device, stream_arg(stream), false, cast);
        }, "feed"_a, "stream"_a = py::none(), "output_device"_a = "cpu", py::kw_only(), "cast"_a = false,
           "Queue one run on `stream` (default: the executor's) and return without waiting.")
        .def("last_timings", [](PyExecutor& self) { return as_dict(self.stats().stage_seconds()); },
             "GPU seconds of the last run's stages {'h2d', 'compute', 'd2h'}, or {} when not measured.")
        .def_property_readonly("inputs", [](const PyExecutor& e) { return tensors_of(e.tensors(), TensorIO::kInput); })
        .def_property_readonly("outputs", [](PyExecutor& e) { return tensors_of(e.tensors(), TensorIO::kOutput); })
        .def("__enter__", [](py::object self) { return self; })
        .def("__exit__", [](PyExecutor& self, const py::args&) { self.synchronize(); })
        .def("synchronize", &PyExecutor::synchronize)
        .def("input_buffer", [](PyExecutor& self, const std::string& name, const Shape& shape) {
            const DataType t = find_tensor(self.tensors(), name).dtype;
            const auto staging = without_gil([&] { return self.impl->input_staging(name, shape); });
            return array_over(staging, t, shape, "input '" + name + "'");
        }, "name"_a, "shape"_a)
        .def_property_readonly("tensors", [](const PyExecutor& self) { return self.impl->tensors(); })
        .def_property_readonly("backend", [](const PyExecutor& self) { return self.impl->backend(); })
        .def_property_readonly("cuda_graph", [](const PyExecutor& self) { return self.impl->cuda_graph(); })
        // These take the executor's lock, which a run() in another thread holds until it is done: without the GIL.
        .def_property_readonly("stream",
                               nogil([](PyExecutor& s) { return reinterpret_cast<std::uintptr_t>(s.impl->stream()); }))
        .def_property_readonly("device", nogil([](PyExecutor& self) { return self.impl->device(); }))
        .def_property_readonly("stats", [](const PyExecutor& self) { return as_dict(self.stats().fields()); })
        .def_property("stage_timing", nogil([](const PyExecutor& self) { return self.impl->stage_timing(); }),
                      nogil([](PyExecutor& self, bool on) { self.impl->set_stage_timing(on); }))
        .def_property_readonly("_pending_runs", [](const PyExecutor& self) { return self.pending.size(); });
    def_staging(cls, "copy_threads", &StagingPolicy::threads, "Threads copying host tensors (0: default, up to 8).");
    def_staging(cls, "staging_chunk_bytes", &StagingPolicy::chunk_bytes, "Host copy chunk (0: one copy, no overlap).");
}
#endif  // TRTCORE_WITH_CUDA

void bind_runtime(py::module_& m) {
    py::class_<ExecutionBackend, std::shared_ptr<ExecutionBackend>>(m, "ExecutionBackend",
                                                                    "What runs one inference on a CUDA stream.")
        // Copies: a TensorInfo handed to Python must not point into a backend that may be destroyed first.
        .def_property_readonly("tensors", [](const ExecutionBackend& b) { return b.tensors(); })
        .def("set_input_shape", &ExecutionBackend::set_input_shape, "name"_a, "shape"_a)
        .def("output_shape", [](const ExecutionBackend& b, const std::string& name) {
            return shape_tuple(b.output_shape(name));
        }, "name"_a);
#ifdef TRTCORE_WITH_CUDA
    bind_executor(m);
#endif
}

}  // namespace trtcore::bindings
