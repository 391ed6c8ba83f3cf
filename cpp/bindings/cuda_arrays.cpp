// See cuda_arrays.h. Only compiled with CUDA.
#ifdef TRTCORE_WITH_CUDA
#include "bindings/cuda_arrays.h"

#include <algorithm>

#include <pybind11/stl.h>

#include <cstring>

#include "bindings/feed.h"
#include "bindings/runtime_executor.h"
#include "bindings/vocabulary.h"
#include "common/error.h"
#include "cuda/check.h"
#include "runtime/dlpack.h"
#include "runtime/plan.h"

namespace py = pybind11;

namespace trtcore::bindings {

namespace {
[[noreturn]] void not_contiguous(const std::string& name, const py::object& strides) {
    throw ArgumentError("input '" + name + "': the CUDA array is not C-contiguous (strides " +
                        py::repr(strides).cast<std::string>() +
                        "); pass a contiguous one (torch: .contiguous(), cupy: cupy.ascontiguousarray)");
}

// The declared dtype of input `name`, when there is such an input (else the validator reports the name).
std::optional<DataType> declared_dtype(Executor& ex, const std::string& name) {
    for (const auto& t : ex.tensors()) {
        if (t.name == name && t.io == TensorIO::kInput) return t.dtype;
    }
    return std::nullopt;
}

InputSpec add_host(Executor& ex, Feed& feed, const std::string& name, py::array arr, bool cast) {
    InputSpec spec = describe_numpy(name, arr);
    if (cast) {  // the policy's opt-in conversion: numpy's astype, once (validate.h)
        const auto want = declared_dtype(ex, name);
        if (want && spec.dtype != want) {
            arr = arr.attr("astype")(numpy_dtype(*want, "input '" + name + "'"));
            spec = describe_numpy(name, arr);
        }
    }
    // Policy: non-contiguous host arrays are copied once into a contiguous array (then staged as usual).
    if (!(arr.flags() & py::array::c_style)) arr = py::array::ensure(arr, py::array::c_style);
    if (spec.dtype) feed.arrays.push_back({name, *spec.dtype, spec.shape, arr.data(), Location::kHost, std::nullopt});
    feed.keep_host.push_back(std::move(arr));
    return spec;
}

InputSpec add_cuda_array_interface(Feed& feed, const std::string& name, const py::handle& obj) {
    const py::dict cai = obj.attr("__cuda_array_interface__");
    InputSpec spec = describe_cuda_array(name, cai);
    if (!spec.dtype) return spec;
    if (cai.contains("mask") && !cai["mask"].is_none()) {
        throw ArgumentError("input '" + name + "': masked CUDA arrays are not supported");
    }
    if (cai.contains("strides") && !cai["strides"].is_none()) {
        const auto bytes = cai["strides"].cast<std::vector<int64_t>>();
        const auto item = static_cast<int64_t>(std::max<std::size_t>(element_bits(*spec.dtype) / 8, 1));
        std::vector<int64_t> elements;
        for (auto b : bytes) elements.push_back(b % item == 0 ? b / item : -1);
        if (elements.size() != spec.shape.size() || !dlpack::is_c_contiguous(spec.shape, elements.data())) {
            not_contiguous(name, cai["strides"]);
        }
    }
    InputArray in{name, *spec.dtype, spec.shape,
                  reinterpret_cast<const void*>(cai["data"].cast<py::tuple>()[0].cast<std::uintptr_t>()),
                  Location::kDevice, std::nullopt};
    if (cai.contains("stream") && !cai["stream"].is_none()) {
        in.producer_stream = reinterpret_cast<cudaStream_t>(cai["stream"].cast<std::uintptr_t>());
    }
    feed.arrays.push_back(std::move(in));
    feed.keep_device.push_back(py::reinterpret_borrow<py::object>(obj));
    return spec;
}

InputSpec add_dlpack(Feed& feed, const std::string& name, const py::handle& obj, cudaStream_t stream) {
    // The producer orders its pending writes before our stream (DLPack: 0 is ambiguous, 1 is the legacy stream).
    auto handle = reinterpret_cast<std::uintptr_t>(stream);
    if (handle == 0) handle = 1;
    py::object capsule = obj.attr("__dlpack__")(py::arg("stream") = handle);
    auto* managed = static_cast<dlpack::DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
    if (managed == nullptr) {
        PyErr_Clear();
        throw ArgumentError("input '" + name + "': __dlpack__() did not return a 'dltensor' capsule");
    }
    PyCapsule_SetName(capsule.ptr(), "used_dltensor");  // ours now: the producer must not free it
    feed.keep_device.push_back(py::capsule(managed, [](void* p) {
        auto* t = static_cast<dlpack::DLManagedTensor*>(p);
        if (t->deleter != nullptr) t->deleter(t);
    }));
    const auto& t = managed->dl_tensor;
    InputSpec spec = describe_dltensor(name, t);
    if (!spec.dtype) return spec;
    if (!dlpack::is_c_contiguous(spec.shape, t.strides)) {
        not_contiguous(name, py::cast(std::vector<int64_t>(t.strides, t.strides + t.ndim)));
    }
    feed.arrays.push_back({name, *spec.dtype, spec.shape, static_cast<const char*>(t.data) + t.byte_offset,
                           Location::kDevice, std::nullopt});
    return spec;
}

struct DLPackExport {
    dlpack::DLManagedTensor managed{};
    std::shared_ptr<cuda::DeviceBuffer> buffer;
    Shape shape;
};

void export_deleter(dlpack::DLManagedTensor* t) {
    std::unique_ptr<DLPackExport> owner(static_cast<DLPackExport*>(t->manager_ctx));
}

void unused_capsule_destructor(PyObject* capsule) {
    // A consumer renames the capsule once it owns the tensor; an unconsumed one is freed here.
    if (PyCapsule_IsValid(capsule, "dltensor")) {
        auto* t = static_cast<dlpack::DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
        t->deleter(t);
    }
}

}  // namespace

Feed convert_feed(Executor& ex, const py::object& obj, std::optional<cudaStream_t> stream, bool cast) {
    const auto items = feed_items(obj);
    Feed feed;
    feed.arrays.reserve(items.size());
    std::vector<InputSpec> specs;
    for (const auto& [name, value] : items) {
        if (py::isinstance<py::array>(value)) {
            specs.push_back(add_host(ex, feed, name, py::reinterpret_borrow<py::array>(value), cast));
        } else if (py::hasattr(value, "__cuda_array_interface__")) {
            specs.push_back(add_cuda_array_interface(feed, name, value));
        } else if (const int device = dlpack_device_type(value); device == dlpack::kDLCUDA ||
                                                                  device == dlpack::kDLCUDAManaged) {
            cudaStream_t consumer = nullptr;
            if (stream) {
                consumer = *stream;
            } else {
                py::gil_scoped_release release;  // ex.stream() takes the executor's lock, held by a running run()
                consumer = ex.stream();
            }
            specs.push_back(add_dlpack(feed, name, value, consumer));
        } else if (device >= 0) {  // DLPack in host memory (a CPU torch tensor): numpy views it in place
            specs.push_back(add_host(ex, feed, name, py::module_::import("numpy").attr("from_dlpack")(value), cast));
        } else {
            specs.push_back(add_host(ex, feed, name, as_numpy(name, value), cast));
        }
    }
    // cast=True converted the host arrays above; a device array of another dtype is refused here, saying so.
    if (cast) check_feed(ex.tensors(), specs, FeedCheck{true, std::nullopt});
    // A type trtcore has no name for left its array out of feed.arrays: the validator says why (and names first).
    if (feed.arrays.size() != specs.size()) {
        check_feed(ex.tensors(), specs, FeedCheck{false, std::nullopt});
        throw DTypeError("the feed holds an element type trtcore does not know");
    }
    return feed;
}

Location parse_location(const std::string& device) {
    if (device == "cpu") return Location::kHost;
    if (device == "cuda") return Location::kDevice;
    throw ArgumentError("output_device must be 'cpu' or 'cuda', got '" + device + "'");
}

py::object dlpack_capsule(const DeviceArray& a, const py::object& stream) {
    const auto type = dlpack::to_dlpack(a.dtype);
    if (!type) throw DTypeError(std::string("DLPack cannot describe ") + dtype_name(a.dtype) + " tensors");
    // DLPack: stream=None means the consumer uses the legacy default stream; -1 asks for no synchronisation.
    if (a.ready && (stream.is_none() || stream.cast<long long>() != -1)) {
        const cudaStream_t consumer =
            stream.is_none() ? cudaStreamLegacy : reinterpret_cast<cudaStream_t>(stream.cast<std::uintptr_t>());
        a.ready->make_wait(consumer, "__dlpack__ stream");
    }
    auto ctx = std::make_unique<DLPackExport>();
    ctx->buffer = a.buffer;
    ctx->shape = a.shape;
    auto& t = ctx->managed.dl_tensor;
    t.data = a.buffer->data();
    t.device = {dlpack::kDLCUDA, a.device};
    t.ndim = static_cast<int32_t>(ctx->shape.size());
    t.dtype = *type;
    t.shape = ctx->shape.data();
    t.strides = nullptr;
    t.byte_offset = 0;
    ctx->managed.manager_ctx = ctx.get();
    ctx->managed.deleter = export_deleter;
    PyObject* capsule = PyCapsule_New(&ctx->managed, "dltensor", unused_capsule_destructor);
    if (capsule == nullptr) throw py::error_already_set();
    ctx.release();  // owned by the capsule (or its consumer) from here on
    return py::reinterpret_steal<py::object>(capsule);
}

py::dict cuda_array_interface(const DeviceArray& a) {
    const char* ts = dtype_info(a.dtype).typestr;
    if (ts[0] == '\0') throw DTypeError(std::string("__cuda_array_interface__ cannot describe ") + dtype_name(a.dtype));
    py::dict d;
    d["shape"] = py::tuple(py::cast(a.shape));
    d["typestr"] = ts;
    d["data"] = py::make_tuple(reinterpret_cast<std::uintptr_t>(a.buffer->data()), false);
    d["strides"] = py::none();
    d["version"] = 3;
    // v3: the consumer waits on this stream; None means the data is complete already.
    const auto handle = reinterpret_cast<std::uintptr_t>(a.stream);
    d["stream"] = a.ready ? py::object(py::int_(handle == 0 ? 1 : handle)) : py::object(py::none());
    return d;
}

py::object to_python(const OutputArray& o, const std::shared_ptr<cuda::Event>& ready,
                     cudaStream_t stream) {
    const std::string what = "output '" + o.name + "'";
    if (o.location == Location::kDevice) {
        return py::cast(DeviceArray{o.device, o.shape, o.dtype, o.bytes, o.device_index, ready, stream});
    }
    const py::dtype dt = numpy_dtype(o.dtype, what);
    if (o.owned) return py::array(dt, o.shape, {}, o.owned->data(), py::cast(o.owned));  // copied under the lock
    return pinned_view(o.host, dt, o.shape);
}


}  // namespace trtcore::bindings

#endif  // TRTCORE_WITH_CUDA
