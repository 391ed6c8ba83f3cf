// Glue between trtcore._core and cpp/tensorrt/: argument conversion, GIL release, lifetimes. When trtcore is
// built without TensorRT headers the same entry points exist and raise TensorRTNotFound saying how to rebuild.
#include <pybind11/stl.h>

#include <atomic>
#include <csignal>

#include "bindings/bindings.h"
#include "common/error.h"
#include "common/trt_library.h"
#include "runtime/backend.h"

#ifdef TRTCORE_WITH_TENSORRT
#include "tensorrt/builder.h"
#include "tensorrt/context.h"
#include "tensorrt/engine.h"
#include "tensorrt/library_info.h"
#endif

namespace py = pybind11;

namespace trtcore::bindings {

#ifdef TRTCORE_WITH_TENSORRT
namespace {
using Severity = LogSeverity;

// A view of a bytes-like object (bytes, bytearray, memoryview, numpy array) without a copy.
std::pair<const void*, std::size_t> byte_view(const py::buffer_info& info) {
    if (info.ndim > 1 || (info.ndim == 1 && info.strides[0] != info.itemsize)) {
        throw ArgumentError("engine bytes must be a contiguous bytes-like object (bytes, bytearray, memoryview)");
    }
    return {info.ptr, static_cast<std::size_t>(info.size * info.itemsize)};
}

const char* severity_word(Severity s) {
    return s == Severity::kInternalError ? "error" : severity_name(s);
}

// TensorRT's warnings while loading/running an engine go to Python's logging ("trtcore.tensorrt"). Errors are
// not logged: they are in the exception raised. Holds no Python object, so it is safe on any thread.
void log_to_python(Severity s, const std::string& message) {
    if (!Py_IsInitialized()) return;  // TensorRT may log while the process exits
    py::gil_scoped_acquire gil;
    try {
        const int level = s == Severity::kError || s == Severity::kInternalError ? 40
                          : s == Severity::kWarning                                ? 30
                          : s == Severity::kInfo                                   ? 20
                                                                                   : 10;
        py::module_::import("logging").attr("getLogger")("trtcore.tensorrt").attr("log")(level, message);
    } catch (py::error_already_set& e) {
        e.discard_as_unraisable("trtcore TensorRT log");
    }
}

void python_logging_sink(Severity s, const std::string& message) {
    if (s != Severity::kError && s != Severity::kInternalError) log_to_python(s, message);
}

py::object item(const py::dict& request, const char* key) {
    if (!request.contains(key)) throw ArgumentError(std::string("build request lacks the key '") + key + "'");
    return request[key];
}

// `v` as T; ArgumentError naming `what` (e.g. "'flags'") when it has the wrong type.
template <typename T>
T cast_as(const py::handle& v, const std::string& what) {
    try {
        return v.cast<T>();
    } catch (const std::exception&) {  // py::cast_error, or py::type_error for py:: object types
        throw ArgumentError("build request: " + what + " has the wrong type (" +
                            std::string(py::str(py::type::of(v).attr("__name__"))) + ")");
    }
}

// A request value as T; ArgumentError naming the key when it has the wrong type.
template <typename T>
T value(const py::dict& request, const char* key) {
    return cast_as<T>(item(request, key), std::string("'") + key + "'");
}

std::string text(const py::dict& request, const char* key) { return py::str(item(request, key)); }

trt::BuildRequest to_request(const py::dict& d) {
    trt::BuildRequest r;
    r.onnx_path = text(d, "onnx_path");
    r.flags = value<std::vector<std::string>>(d, "flags");
    const auto profiles = value<py::list>(d, "profiles");
    for (std::size_t i = 0; i < profiles.size(); ++i) {
        const std::string where = "'profiles'[" + std::to_string(i) + "]";
        std::vector<std::pair<std::string, ProfileShape>> shapes;
        for (const auto& [name, mmo] : cast_as<py::dict>(profiles[i], where)) {
            const std::string input = py::str(name);
            const auto m = cast_as<py::dict>(mmo, where + "['" + input + "']");
            auto shape = [&](const char* key) {
                return cast_as<Shape>(item(m, key), where + "['" + input + "']['" + key + "']");
            };
            shapes.emplace_back(input, ProfileShape{shape("min"), shape("opt"), shape("max")});
        }
        r.profiles.push_back(std::move(shapes));
    }
    for (const auto& [name, bytes] : value<py::dict>(d, "memory_pools")) {
        const std::string pool = py::str(name);
        const std::string what = "'memory_pools'['" + pool + "']";
        if (py::isinstance<py::bool_>(bytes) || !py::isinstance<py::int_>(bytes)) {  // a bool is not a size
            throw ArgumentError("build request: " + what + " has the wrong type (" +
                                std::string(py::str(py::type::of(bytes).attr("__name__"))) +
                                "); expected a number of bytes (int)");
        }
        if (bytes < py::int_(0)) {
            throw ArgumentError("build request: " + what + " must be a non-negative number of bytes, not " +
                                std::string(py::str(bytes)));
        }
        r.memory_pools.emplace_back(pool, cast_as<std::uint64_t>(bytes, what));
    }
    r.builder_optimization_level = value<int>(d, "builder_optimization_level");
    r.max_aux_streams = value<int>(d, "max_aux_streams");
    r.hardware_compatibility_level = text(d, "hardware_compatibility_level");
    const py::object cache = item(d, "timing_cache");
    if (!cache.is_none()) {
        if (!PyObject_CheckBuffer(cache.ptr()) || py::isinstance<py::str>(cache)) {
            throw ArgumentError("build request: 'timing_cache' has the wrong type (" +
                                std::string(py::str(py::type::of(cache).attr("__name__"))) +
                                "); expected bytes or None");
        }
        const py::buffer_info info = cache.cast<py::buffer>().request();
        const auto [ptr, size] = byte_view(info);
        r.timing_cache = std::string(static_cast<const char*>(ptr), size);
    }
    r.plugins = value<std::vector<std::string>>(d, "plugins");
    r.verbose = value<bool>(d, "verbose");
    // Optional (not in the first contract): "layer_names_only" | "detailed" | "none".
    if (d.contains("profiling_verbosity") && !d["profiling_verbosity"].is_none()) {
        r.profiling_verbosity = text(d, "profiling_verbosity");
    }
    return r;
}

const char* event_name(trt::ProgressEvent e) {
    switch (e) {
        case trt::ProgressEvent::kStart: return "start";
        case trt::ProgressEvent::kStep: return "step";
        case trt::ProgressEvent::kFinish: return "finish";
    }
    return "?";
}

// Ctrl-C during a build. Python runs its SIGINT handler only on the main thread between bytecodes, which never
// happens while the main thread waits in buildSerializedNetwork, and TensorRT may call the progress monitor on
// another thread. So, for the build's duration, a C-level handler records the signal and the progress monitor
// cancels the build at its next step; the caller then gets KeyboardInterrupt. Only a build on Python's main thread
// (where Python delivers Ctrl-C) is cancelled: builds on other threads keep their own, never-set flag. (The Python
// layer's own handler covers the moments just before and after this call.)
std::atomic<std::atomic<bool>*> g_main_build_cancel{nullptr};  // lock-free pointer: safe in a signal handler
extern "C" void record_sigint(int) {
    if (auto* flag = g_main_build_cancel.load()) flag->store(true);
}

class SigintCancels {
public:
    SigintCancels() {
        auto threading = py::module_::import("threading");
        if (!threading.attr("current_thread")().is(threading.attr("main_thread")())) return;  // signals go to main
        struct sigaction action {};
        action.sa_handler = record_sigint;
        sigemptyset(&action.sa_mask);
        g_main_build_cancel.store(&cancel_);
        installed_ = sigaction(SIGINT, &action, &previous_) == 0;
        if (!installed_) g_main_build_cancel.store(nullptr);
    }
    ~SigintCancels() {
        if (!installed_) return;
        sigaction(SIGINT, &previous_, nullptr);
        g_main_build_cancel.store(nullptr);
    }
    SigintCancels(const SigintCancels&) = delete;
    SigintCancels& operator=(const SigintCancels&) = delete;
    bool interrupted() const { return cancel_.load(); }

private:
    std::atomic<bool> cancel_{false};
    struct sigaction previous_ {};
    bool installed_ = false;
};

py::dict build(const py::dict& request, const py::object& progress, const py::object& log) {
    const trt::BuildRequest r = to_request(request);
    // The callbacks capture handles, not owning objects: `progress` and `log` stay alive (this frame holds them)
    // and no reference count is touched on TensorRT's threads without the GIL.
    const py::handle progress_h = progress, log_h = log;
    const bool has_progress = !progress.is_none();
    const SigintCancels sigint;
    trt::ProgressFn progress_fn = [progress_h, has_progress, &sigint](trt::ProgressEvent e, const char* phase,
                                                                       const char* parent, int32_t value) {
        if (sigint.interrupted()) return false;  // Ctrl-C: cancel at this step
        if (!has_progress) return true;
        {
            py::gil_scoped_acquire gil;
            py::object answer = progress_h(event_name(e), phase,
                                           parent != nullptr ? py::object(py::str(parent)) : py::object(py::none()),
                                           value);
            return answer.is_none() || static_cast<bool>(py::bool_(answer));  // None: keep going
        }
    };
    LogSink log_fn;
    if (!log.is_none()) {
        log_fn = [log_h](Severity s, const std::string& message) {
            py::gil_scoped_acquire gil;
            log_h(severity_word(s), message);
        };
    }
    trt::BuildResult result;
    try {
        py::gil_scoped_release release;
        result = trt::build_engine(r, progress_fn, std::move(log_fn));
    } catch (const BuildError&) {
        if (!sigint.interrupted()) throw;
    }
    if (sigint.interrupted()) {
        PyErr_SetNone(PyExc_KeyboardInterrupt);  // the build was cancelled cleanly; nothing was written
        throw py::error_already_set();
    }
    py::dict out;
    out["engine"] = py::bytes(result.engine);
    out["timing_cache"] = result.timing_cache ? py::object(py::bytes(*result.timing_cache)) : py::object(py::none());
    out["timing_cache_used"] = result.timing_cache_used;
    out["seconds"] = result.seconds;
    out["tensorrt_version"] = result.tensorrt_version;
    return out;
}

py::bytes merge_caches(const py::list& caches) {
    std::vector<std::string> blobs;
    for (const auto& c : caches) {
        if (!PyObject_CheckBuffer(c.ptr()) || py::isinstance<py::str>(c)) {
            throw ArgumentError("merge_timing_caches takes bytes objects, not " +
                                std::string(py::str(py::type::of(c).attr("__name__"))));
        }
        const py::buffer_info info = py::reinterpret_borrow<py::buffer>(c).request();
        const auto [ptr, size] = byte_view(info);
        blobs.emplace_back(static_cast<const char*>(ptr), size);
    }
    std::string merged;
    {
        py::gil_scoped_release release;
        merged = trt::merge_timing_caches(blobs);
    }
    return py::bytes(merged);
}
}  // namespace

void bind_tensorrt(py::module_& m) {
    using trt::Context;
    using trt::Engine;

    py::class_<Engine, std::shared_ptr<Engine>>(m, "Engine", "A deserialized TensorRT engine (plan). Plans are "
                                                             "trusted code: load only plans you trust.")
        .def_static(
            "from_file",
            [](const std::string& path, bool allow_host_code) {
                py::gil_scoped_release release;
                return Engine::from_file(path, python_logging_sink, allow_host_code);
            },
            py::arg("path"), py::arg("allow_host_code") = false)
        .def_static(
            "from_bytes",
            [](const py::buffer& data, const std::string& source, bool allow_host_code) {
                const py::buffer_info info = data.request();
                const auto [ptr, size] = byte_view(info);
                py::gil_scoped_release release;
                return Engine::from_bytes(ptr, size, source, python_logging_sink, allow_host_code);
            },
            py::arg("data"), py::arg("source") = "<bytes>", py::arg("allow_host_code") = false)
        .def_property_readonly("tensors", [](const Engine& e) { return e.tensors(); })
        .def_property_readonly("device_memory_size", &Engine::device_memory_size)
        .def_property_readonly("num_profiles", &Engine::num_profiles)
        .def_property_readonly("source", &Engine::source)
        .def("inspect", &Engine::inspect, "Layer information as TensorRT's JSON text.")
        .def(
            "create_context",
            [](const std::shared_ptr<Engine>& e, int profile, std::uintptr_t stream) {
                py::gil_scoped_release release;
                return std::make_shared<Context>(e, profile, reinterpret_cast<void*>(stream));
            },
            py::arg("profile") = 0, py::arg("stream") = 0,
            "A new execution context (one per stream/thread) on optimization profile `profile`.");

    py::class_<Context, ExecutionBackend, std::shared_ptr<Context>>(m, "Context")
        .def_property_readonly("profile", &Context::profile)
        .def_property_readonly("engine", &Context::engine)
        .def_property_readonly("tensors", [](const Context& c) { return c.tensors(); })
        .def("set_input_shape", &Context::set_input_shape, py::arg("name"), py::arg("shape"))
        .def(
            "output_shape",
            [](const Context& c, const std::string& name) { return py::tuple(py::cast(c.output_shape(name))); },
            py::arg("name"))
        .def(
            "set_tensor_address",
            [](Context& c, const std::string& name, std::uintptr_t ptr) {
                c.set_tensor_address(name, reinterpret_cast<void*>(ptr));
            },
            py::arg("name"), py::arg("device_ptr"))
        .def(
            "enqueue",
            [](Context& c, std::uintptr_t stream) {
                py::gil_scoped_release release;
                c.enqueue(reinterpret_cast<void*>(stream));
            },
            py::arg("stream"));

    // libnvinfer_plugin logs through one process-wide logger (see Library::plugin_logger): into Python's logging.
    trt::set_plugin_log_sink(log_to_python);

    m.def("build_engine", &build, py::arg("request"), py::arg("progress") = py::none(), py::arg("log") = py::none(),
          "ONNX → plan per the build contract (docs/tensorrt.md). Releases the GIL while TensorRT builds.");
    m.def("merge_timing_caches", &merge_caches, py::arg("caches"),
          "One timing cache holding every entry of `caches`.");
    m.def("tensorrt_version", [] { return trt::library_version(); },
          "Version of the TensorRT library loaded (loads it: raises TensorRTNotFound when it is missing).");
}

#else  // TensorRT not compiled in

namespace {
[[noreturn]] void not_compiled() {
    // Also say whether a TensorRT library is installed, and where we looked: it tells the user which half is missing.
    const auto lib = probe_tensorrt_library({11, 10});
    std::string found;
    if (lib.found) {
        found = " (TensorRT " + std::to_string(lib.major) + "." + std::to_string(lib.minor) + " is installed at " +
                lib.path + ": only the rebuild is missing)";
    } else {
        found = " (no TensorRT library was found either; looked in:";
        for (const auto& t : lib.tried) found += "\n  - " + t;
        found += ")";
    }
    throw TensorRTNotFound(
        "this trtcore was built without TensorRT headers; install TensorRT and reinstall with "
        "TensorRT_ROOT=<dir with NvInfer.h> pip install --force-reinstall --no-binary trtcore trtcore "
        "(or, from a checkout, TensorRT_ROOT=<dir> pip install .)" + found);
}
struct EngineStub {};
}  // namespace

void bind_tensorrt(py::module_& m) {
    py::class_<EngineStub>(m, "Engine", "Unavailable: this trtcore was built without TensorRT.")
        .def_static("from_file", [](const py::object&, bool) { not_compiled(); }, py::arg("path"),
                    py::arg("allow_host_code") = false)
        .def_static("from_bytes", [](const py::object&, const py::object&, bool) { not_compiled(); },
                    py::arg("data"), py::arg("source") = "<bytes>", py::arg("allow_host_code") = false);
    m.def("build_engine", [](const py::object&, const py::object&, const py::object&) { not_compiled(); },
          py::arg("request"), py::arg("progress") = py::none(), py::arg("log") = py::none());
    m.def("merge_timing_caches", [](const py::object&) { not_compiled(); }, py::arg("caches"));
    m.def("tensorrt_version", [] { not_compiled(); });
}

#endif

}  // namespace trtcore::bindings
