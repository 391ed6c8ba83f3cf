// See cuda_arrays.h. Only compiled with CUDA.
#ifdef TRTCORE_WITH_CUDA
#include "bindings/cuda_arrays.h"

#include <pybind11/stl.h>

#include <cstring>

#include "bindings/runtime_executor.h"
#include "bindings/vocabulary.h"
#include "common/error.h"
#include "cuda/check.h"
#include "runtime/dlpack.h"
#include "runtime/plan.h"

namespace py = pybind11;

namespace trtcore::bindings {

namespace {
[[noreturn]] void bad_dtype(Executor& ex, const std::string& name, const std::string& got) {
    const auto& info = find_tensor(ex.tensors(), name);  // an unknown name is reported as such
    if (info.io != TensorIO::kInput) throw ArgumentError("'" + name + "' is an output, not an input");
    throw DTypeError("input '" + name + "': expected " + dtype_name(info.dtype) + ", got " + got +
                     " (arrays are not converted; cast with .astype)");
}

[[noreturn]] void not_contiguous(const std::string& name, const py::object& strides) {
    throw ArgumentError("input '" + name + "': the CUDA array is not C-contiguous (strides " +
                        py::repr(strides).cast<std::string>() +
                        "); pass a contiguous one (torch: .contiguous(), cupy: cupy.ascontiguousarray)");
}

void add_host(Executor& ex, Feed& feed, const std::string& name, py::array arr) {
    // Policy: non-contiguous host arrays are copied once into a contiguous array (then staged as usual).
    if (!(arr.flags() & py::array::c_style)) arr = py::array::ensure(arr, py::array::c_style);
    const py::dtype dt = arr.dtype();
    const std::string type = py::str(dt.attr("name"));
    if (py::str(dt.attr("byteorder")).cast<std::string>() == ">") bad_dtype(ex, name, "big-endian " + type);
    DataType dtype;
    try {
        dtype = dtype_from_name(type, "input '" + name + "'");
    } catch (const DTypeError&) {
        bad_dtype(ex, name, type);
    }
    Shape shape(arr.shape(), arr.shape() + arr.ndim());
    feed.arrays.push_back({name, dtype, std::move(shape), arr.data(), Location::kHost, std::nullopt});
    feed.keep_host.push_back(std::move(arr));
}

void add_cuda_array_interface(Executor& ex, Feed& feed, const std::string& name, const py::handle& obj) {
    const py::dict cai = obj.attr("__cuda_array_interface__");
    Shape shape = cai["shape"].cast<Shape>();
    const auto ts = cai["typestr"].cast<std::string>();
    const auto dtype = dtype_from_typestr(ts);
    if (!dtype) bad_dtype(ex, name, "CUDA array of typestr '" + ts + "'");
    if (cai.contains("mask") && !cai["mask"].is_none()) {
        throw ArgumentError("input '" + name + "': masked CUDA arrays are not supported");
    }
    if (cai.contains("strides") && !cai["strides"].is_none()) {
        const auto bytes = cai["strides"].cast<std::vector<int64_t>>();
        const auto item = static_cast<int64_t>(element_bits(*dtype) / 8);
        std::vector<int64_t> elements;
        for (auto b : bytes) elements.push_back(b % item == 0 ? b / item : -1);
        if (elements.size() != shape.size() || !dlpack::is_c_contiguous(shape, elements.data())) {
            not_contiguous(name, cai["strides"]);
        }
    }
    InputArray in{name, *dtype, std::move(shape),
                  reinterpret_cast<const void*>(cai["data"].cast<py::tuple>()[0].cast<std::uintptr_t>()),
                  Location::kDevice, std::nullopt};
    if (cai.contains("stream") && !cai["stream"].is_none()) {
        in.producer_stream = reinterpret_cast<cudaStream_t>(cai["stream"].cast<std::uintptr_t>());
    }
    feed.arrays.push_back(std::move(in));
    feed.keep_device.push_back(py::reinterpret_borrow<py::object>(obj));
}

bool is_cuda_dlpack(const py::handle& obj) {
    if (!py::hasattr(obj, "__dlpack__") || !py::hasattr(obj, "__dlpack_device__")) return false;
    const auto device = obj.attr("__dlpack_device__")().cast<py::tuple>();
    const auto type = device[0].cast<int>();
    return type == dlpack::kDLCUDA || type == dlpack::kDLCUDAManaged;
}

void add_dlpack(Executor& ex, Feed& feed, const std::string& name, const py::handle& obj, cudaStream_t stream) {
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
    if (t.device.device_type != dlpack::kDLCUDA && t.device.device_type != dlpack::kDLCUDAManaged) {
        throw ArgumentError("input '" + name + "': the DLPack tensor is not in CUDA memory");
    }
    Shape shape(t.shape, t.shape + t.ndim);
    const auto dtype = dlpack::from_dlpack(t.dtype);
    if (!dtype) {
        bad_dtype(ex, name, "DLPack type (code " + std::to_string(t.dtype.code) + ", " +
                                std::to_string(t.dtype.bits) + " bits, " + std::to_string(t.dtype.lanes) + " lanes)");
    }
    if (!dlpack::is_c_contiguous(shape, t.strides)) {
        not_contiguous(name, py::cast(std::vector<int64_t>(t.strides, t.strides + t.ndim)));
    }
    feed.arrays.push_back({name, *dtype, std::move(shape), static_cast<const char*>(t.data) + t.byte_offset,
                           Location::kDevice, std::nullopt});
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

Feed convert_feed(Executor& ex, const py::object& obj, std::optional<cudaStream_t> stream) {
    if (!py::isinstance<py::dict>(obj)) {
        throw ArgumentError("the feed must be a dict {input name: array}, got " +
                            py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
    }
    const auto dict = py::reinterpret_borrow<py::dict>(obj);
    Feed feed;
    feed.arrays.reserve(dict.size());
    for (const auto& [key, value] : dict) {
        if (!py::isinstance<py::str>(key)) {
            throw ArgumentError("feed keys must be input names (str), got " + py::repr(key).cast<std::string>());
        }
        const auto name = key.cast<std::string>();
        if (py::isinstance<py::array>(value)) {
            add_host(ex, feed, name, py::reinterpret_borrow<py::array>(value));
        } else if (py::hasattr(value, "__cuda_array_interface__")) {
            add_cuda_array_interface(ex, feed, name, value);
        } else if (is_cuda_dlpack(value)) {
            cudaStream_t consumer = nullptr;
            if (stream) {
                consumer = *stream;
            } else {
                py::gil_scoped_release release;  // ex.stream() takes the executor's lock, held by a running run()
                consumer = ex.stream();
            }
            add_dlpack(ex, feed, name, value, consumer);
        } else {
            py::array arr = py::array::ensure(value);  // lists, CPU torch tensors, anything numpy can view
            if (!arr || arr.dtype().kind() == 'O') {
                throw ArgumentError("input '" + name + "': expected an array (numpy, or a CUDA array with "
                                    "__cuda_array_interface__ or __dlpack__), got " +
                                    py::str(py::type::of(value).attr("__name__")).cast<std::string>());
            }
            add_host(ex, feed, name, std::move(arr));
        }
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
