// Glue for cpp/tensorrt/. Built without TensorRT headers, _core holds only the build structs; python/trtcore says how
// to rebuild (_info.not_compiled_message).
#include <pybind11/functional.h>

#include "bindings/bindings.h"
#include "runtime/backend.h"
#include "tensorrt/build_request.h"

#ifdef TRTCORE_WITH_TENSORRT
#include "tensorrt/builder.h"
#include "tensorrt/context.h"
#include "tensorrt/engine.h"
#include "tensorrt/library_info.h"
#include "tensorrt/profiler.h"
#include "tensorrt/refit.h"
#endif

namespace trtcore::bindings {

namespace {
// BuildRequest and BuildResult are plain structs, bound field by field; their values are checked by BuildConfig
// (Python) and by build_engine (C++). Byte strings are bound as bytes, not str: `member` as bytes | None.
template <typename Class, typename Struct>
void def_optional_bytes(Class& cls, const char* name, std::optional<std::string> Struct::*member) {
    using Bytes = std::optional<py::bytes>;
    cls.def_property(
        name, [member](const Struct& r) { return r.*member ? Bytes(py::bytes(*(r.*member))) : std::nullopt; },
        [member](Struct& r, const Bytes& b) { r.*member = b ? std::optional<std::string>(*b) : std::nullopt; });
}

void bind_build_structs(py::module_& m) {
    using trt::BuildRequest;
    using trt::BuildResult;
    using trt::ProfileInput;
    py::class_<ProfileInput>(m, "ProfileInput", "One input's min/opt/max shapes in one optimization profile.")
        .def(py::init([](std::string name, Shape min, Shape opt, Shape max) {
            return ProfileInput{{std::move(min), std::move(opt), std::move(max)}, std::move(name)};
        }), "name"_a, "min"_a, "opt"_a, "max"_a)
        .def_readwrite("name", &ProfileInput::name)
        .def_readwrite("min", &ProfileInput::min)
        .def_readwrite("opt", &ProfileInput::opt)
        .def_readwrite("max", &ProfileInput::max);
    // Containers are copied in and out: assign whole lists (request.flags = [...]), do not append in place.
    py::class_<BuildRequest> request(m, "BuildRequest",
                                     "What _core.build_engine builds (cpp/tensorrt/build_request.h).");
    request.def(py::init<>())
        .def_readwrite("onnx_path", &BuildRequest::onnx_path)
        .def_readwrite("flags", &BuildRequest::flags)
        .def_readwrite("profiles", &BuildRequest::profiles)
        .def_readwrite("memory_pools", &BuildRequest::memory_pools)
        .def_readwrite("builder_optimization_level", &BuildRequest::builder_optimization_level)
        .def_readwrite("max_aux_streams", &BuildRequest::max_aux_streams)
        .def_readwrite("hardware_compatibility_level", &BuildRequest::hardware_compatibility_level)
        .def_readwrite("plugins", &BuildRequest::plugins)
        .def_readwrite("verbose", &BuildRequest::verbose)
        .def_readwrite("profiling_verbosity", &BuildRequest::profiling_verbosity)
        .def_readwrite("io_types", &BuildRequest::io_types)
        .def_readwrite("device", &BuildRequest::device)
        .def_readwrite("tactic_sources", &BuildRequest::tactic_sources)
        .def_readwrite("layer_precisions", &BuildRequest::layer_precisions);
    def_optional_bytes(request, "timing_cache", &BuildRequest::timing_cache);
    py::class_<BuildResult> result(m, "BuildResult", "What _core.build_engine gives back.");
    def_optional_bytes(result, "timing_cache", &BuildResult::timing_cache);
    result.def(py::init<>())
        .def_property(
            "engine", [](const BuildResult& r) { return py::bytes(r.engine); },
            [](BuildResult& r, const py::bytes& b) { r.engine = b; })
        .def_readwrite("timing_cache_used", &BuildResult::timing_cache_used)
        .def_readwrite("seconds", &BuildResult::seconds)
        .def_readwrite("tensorrt_version", &BuildResult::tensorrt_version);
}
}  // namespace

#ifdef TRTCORE_WITH_TENSORRT
namespace {
// TensorRT's messages into Python's logging (trtcore._tensorrt_log maps the severity); holds no Python object, so
// safe on any thread. `raised`: errors are also in the exception raised (engines' are, libnvinfer_plugin's are not).
LogSink python_log(bool raised) {
    return [raised](LogSeverity severity, const std::string& message) {
        if (!Py_IsInitialized()) return;  // TensorRT may log while the process exits
        py::gil_scoped_acquire gil;
        try {
            py::module_::import("trtcore._tensorrt_log").attr("log")(severity_name(severity), message, raised);
        } catch (py::error_already_set& e) {
            e.discard_as_unraisable("trtcore TensorRT log");
        }
    };
}

// Ctrl-C is Python's (trtcore.builder.build): its SIGINT handler runs when a progress callback runs Python code.
// pybind11 calls `progress` and `log` with the GIL (None: no callback). `request` is a copy, made with the GIL: the
// Python object may change on another thread while the GIL is released around the build.
using Progress = std::function<std::optional<bool>(std::string, const char*, const char*, int32_t)>;
trt::BuildResult build(trt::BuildRequest request, const Progress& progress,
                       const std::function<void(std::string, std::string)>& log) {
    trt::ProgressFn progress_fn;
    if (progress) {
        progress_fn = [&](trt::ProgressEvent e, const char* phase, const char* parent, int32_t value) {
            return progress(trt::progress_event_name(e), phase, parent, value).value_or(true);  // None: keep going
        };
    }
    LogSink log_fn;
    if (log) log_fn = [&](LogSeverity severity, const std::string& message) { log(severity_name(severity), message); };
    py::gil_scoped_release release;
    return trt::build_engine(request, progress_fn, std::move(log_fn));
}
}  // namespace

void bind_tensorrt(py::module_& m) {
    bind_build_structs(m);
    using trt::Context;
    using trt::Engine;
    using trt::LoadOptions;
    py::class_<LoadOptions>(m, "LoadOptions")
        .def(py::init<>())
        .def_readwrite("allow_host_code", &LoadOptions::allow_host_code)
        .def_readwrite("plugins", &LoadOptions::plugins)
        .def_readwrite("lean_runtime", &LoadOptions::lean_runtime)
        .def_readwrite("temp_dir", &LoadOptions::temp_dir)
        .def_readwrite("allow_in_memory_files", &LoadOptions::allow_in_memory_files)
        .def_readwrite("allow_temporary_files", &LoadOptions::allow_temporary_files);

    py::class_<Engine, std::shared_ptr<Engine>>(m, "Engine")
        .def_static("from_file", [](const std::string& path, const LoadOptions& options) {
            return without_gil([&] { return Engine::from_file(path, python_log(true), options); });
        }, "path"_a, "options"_a = LoadOptions{})
        .def_static("from_bytes", [](const py::buffer& data, const std::string& source, const LoadOptions& options) {
            const py::buffer_info info = data.request();
            const auto [ptr, size] = byte_view(info, "engine bytes");
            py::gil_scoped_release release;
            return Engine::from_bytes(ptr, size, source, python_log(true), options);
        }, "data"_a, "source"_a = "<bytes>", "options"_a = LoadOptions{})
        .def_property_readonly("tensors", [](const Engine& e) { return e.tensors(); })
        .def_property_readonly("device_memory_size", &Engine::device_memory_size)
        .def_property_readonly("num_profiles", &Engine::num_profiles)
        .def_property_readonly("source", &Engine::source)
        .def("inspect", &Engine::inspect)
        .def("create_context", [](const std::shared_ptr<Engine>& e, int profile, std::uintptr_t stream) {
            return std::make_shared<Context>(e, profile, reinterpret_cast<void*>(stream));
        }, "profile"_a = 0, "stream"_a = 0, py::call_guard<py::gil_scoped_release>());

    py::class_<trt::LayerProfiler, std::shared_ptr<trt::LayerProfiler>>(m, "LayerProfiler")
        .def(py::init<>())
        .def("layers", [](const trt::LayerProfiler& p) {
            py::list out;
            for (const auto& l : p.layers()) out.append(py::make_tuple(l.name, l.ms));
            return out;
        })
        .def_property_readonly("runs", &trt::LayerProfiler::runs);

    py::class_<Context, ExecutionBackend, std::shared_ptr<Context>>(m, "Context")
        .def_property_readonly("profile", &Context::profile)
        .def_property_readonly("engine", &Context::engine)
        .def_property_readonly("profiler", &Context::profiler)
        .def("set_profiler", &Context::set_profiler, "profiler"_a);

    // libnvinfer_plugin logs through one process-wide logger: into Python's logging.
    trt::set_plugin_log_sink(python_log(false));

    m.def("build_engine", &build, "request"_a, "progress"_a = py::none(), "log"_a = py::none());
    m.def("refit_engine", [](const py::buffer& plan, const std::string& onnx_path, const std::string& source,
                             const LoadOptions& options) {
        const py::buffer_info info = plan.request();
        const auto [ptr, size] = byte_view(info, "plan");
        return py::bytes(without_gil([&, p = ptr, n = size] {
            return trt::refit_engine(p, n, source, onnx_path, python_log(true), options);
        }));
    }, "plan"_a, "onnx_path"_a, "source"_a = "<bytes>", "options"_a = LoadOptions{});
    m.def("merge_timing_caches", [](const std::vector<std::string>& caches) {
        return py::bytes(without_gil([&] { return trt::merge_timing_caches(caches); }));
    }, "caches"_a);
    m.def("tensorrt_version", &trt::library_version);
}

#else

void bind_tensorrt(py::module_& m) { bind_build_structs(m); }

#endif

}  // namespace trtcore::bindings
