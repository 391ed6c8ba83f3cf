// See cuda_arrays.h. Only compiled with CUDA.
#ifdef TRTCORE_WITH_CUDA
#include "bindings/cuda_arrays.h"

#include <pybind11/stl.h>

#include "bindings/bindings.h"
#include "bindings/feed.h"
#include "bindings/vocabulary.h"
#include "common/error.h"
#include "cuda/check.h"
#include "runtime/dlpack.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace trtcore::bindings {

namespace {
void add_host(Executor& ex, Feed& feed, FedArray& fed, bool cast) {
    auto arr = py::reinterpret_borrow<py::array>(fed.owner);
    if (const auto want = host_cast(ex.tensors(), fed.spec, cast)) {  // the policy's opt-in conversion, once
        arr = arr.attr("astype")(numpy_dtype(*want, "input '" + fed.spec.name + "'"));
        fed.spec = describe_numpy(fed.spec.name, arr);
    }
    // Policy: non-contiguous host arrays are copied once into a contiguous array (then staged as usual).
    if (!(arr.flags() & py::array::c_style)) arr = py::array::ensure(arr, py::array::c_style);
    const auto& s = fed.spec;
    if (s.dtype) feed.arrays.push_back({s.name, *s.dtype, s.shape, arr.data(), Location::kHost, std::nullopt});
    feed.keep_host.push_back(std::move(arr));
}

void add_device(Feed& feed, const FedArray& fed) {
    const auto& s = fed.spec;
    if (!s.dtype) return;
    if (!fed.contiguous) throw_not_contiguous(s, py::repr(fed.strides).cast<std::string>());
    InputArray in{s.name, *s.dtype, s.shape, fed.data, Location::kDevice, std::nullopt};
    if (fed.producer_stream != 0) in.producer_stream = reinterpret_cast<cudaStream_t>(fed.producer_stream);
    feed.arrays.push_back(std::move(in));
    // An opaque handle for the executor's PendingRuns, dropped with the GIL held (prune, clear, ~Feed).
    feed.keep_device.emplace_back(fed.owner.inc_ref().ptr(), [](void* p) { Py_DECREF(static_cast<PyObject*>(p)); });
}
}  // namespace

Feed convert_feed(Executor& ex, const py::object& obj, std::optional<cudaStream_t> stream, bool cast) {
    const auto consumer = [&] {  // ex.stream() takes the executor's lock, held by a running run(): no GIL
        const cudaStream_t s = stream ? *stream : without_gil([&] { return ex.stream(); });
        return static_cast<long long>(reinterpret_cast<std::uintptr_t>(s));
    };
    const auto items = feed_items(obj);
    Feed feed;
    feed.arrays.reserve(items.size());
    std::vector<InputSpec> specs;
    for (const auto& [name, value] : items) {
        FedArray fed = read_fed(name, value, consumer);
        if (fed.spec.location == Location::kHost) {
            add_host(ex, feed, fed, cast);
        } else {
            add_device(feed, fed);
        }
        specs.push_back(std::move(fed.spec));
    }
    check_converted(ex.tensors(), specs, feed.arrays.size(), cast);
    return feed;
}

OutTargets output_targets(const py::object& out) {
    OutTargets result;
    if (out.is_none()) return result;
    if (!py::isinstance<py::dict>(out)) {
        throw ArgumentError("out must be a dict {output name: numpy array}, got " +
                            py::str(py::type::of(out).attr("__name__")).cast<std::string>());
    }
    for (const auto& [key, value] : py::reinterpret_borrow<py::dict>(out)) {
        if (!py::isinstance<py::str>(key)) {
            throw ArgumentError("out keys must be output names (str), got " + py::repr(key).cast<std::string>());
        }
        const auto name = key.cast<std::string>();
        const std::string what = "out['" + name + "']";
        if (!py::isinstance<py::array>(value)) {
            throw ArgumentError(what + ": expected a numpy array, got " +
                                py::str(py::type::of(value).attr("__name__")).cast<std::string>());
        }
        auto arr = py::reinterpret_borrow<py::array>(value);
        if (!(arr.flags() & py::array::c_style)) throw ArgumentError(what + ": the array must be C-contiguous");
        if (!arr.writeable()) throw ArgumentError(what + ": the array is read-only");
        result.targets.push_back({describe_numpy(name, arr), arr.mutable_data()});
        result.arrays.emplace_back(name, std::move(arr));
    }
    return result;
}

py::object OutTargets::array(const std::string& name) const {
    for (const auto& [n, a] : arrays) {
        if (n == name) return a;
    }
    throw ArgumentError("out['" + name + "']: not given");  // unreachable: the executor wrote only given targets
}

Location parse_location(const std::string& device) {
    if (device == "cpu") return Location::kHost;
    if (device == "cuda") return Location::kDevice;
    throw ArgumentError("output_device must be 'cpu' or 'cuda', got '" + device + "'");
}

namespace {
void unused_capsule_destructor(PyObject* capsule) {
    // A consumer renames the capsule once it owns the tensor; an unconsumed one is freed here.
    if (PyCapsule_IsValid(capsule, "dltensor")) {
        auto* t = static_cast<dlpack::DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
        dlpack::ManagedTensorDeleter()(t);
    }
}
}  // namespace

py::object dlpack_capsule(const DeviceArray& a, const py::object& stream) {
    auto managed = a.to_dlpack(stream.is_none() ? std::nullopt : std::optional<long long>(stream.cast<long long>()));
    PyObject* capsule = PyCapsule_New(managed.get(), "dltensor", unused_capsule_destructor);
    if (capsule == nullptr) throw py::error_already_set();
    managed.release();  // owned by the capsule (or its consumer) from here on
    return py::reinterpret_steal<py::object>(capsule);
}

py::dict cuda_array_interface(const DeviceArray& a) {
    return py::dict("shape"_a = py::tuple(py::cast(a.shape)), "typestr"_a = a.typestr(),
                    "data"_a = py::make_tuple(a.ptr(), false), "strides"_a = py::none(), "version"_a = 3,
                    "stream"_a = a.cai_stream());
}

py::array pinned_view(const std::shared_ptr<cuda::PinnedBuffer>& buffer, const py::dtype& dtype, const Shape& shape) {
    using Owner = std::shared_ptr<cuda::PinnedBuffer>;
    auto owner = std::make_unique<Owner>(buffer);  // the array's base: a capsule holding a reference
    py::capsule base(owner.get(), [](void* p) { std::unique_ptr<Owner>(static_cast<Owner*>(p)); });
    owner.release();
    return py::array(dtype, shape, {}, buffer->data(), base);
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
