// A deserialized TensorRT engine (plan) and what it says about its tensors.
//
// SECURITY: a plan is trusted code to TensorRT (it can carry kernels and, when allowed, host code). Load plans
// only from sources you trust, as you would a shared library.
//
// A public header of the TensorRT layer: it compiles without TensorRT's headers (the TensorRT objects live in
// Engine::Handles, tensorrt/engine_handles.h, which only cpp/tensorrt includes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/tensor.h"

namespace trtcore::trt {

// How a plan is loaded, beyond its bytes.
struct LoadOptions {
    // Let TensorRT run host code embedded in the plan (version-compatible plans carry their lean runtime that
    // way). Off by default: enable it only for plans you trust.
    bool allow_host_code = false;
    // Plugin libraries the plan's layers need, registered with the runtime's plugin registry before
    // deserializing (Library::load_plugins: getCreators libraries through IPluginRegistry::loadLibrary).
    std::vector<std::string> plugins;
    // The lean runtime library (libnvinfer_lean.so.<major>) to run a plan built version-compatible with
    // exclude_lean_runtime: IRuntime::loadRuntime, as trtexec --leanDLLPath. Empty: the full runtime.
    std::string lean_runtime;
    // The folder TensorRT writes temporary files to while loading (IRuntime::setTemporaryDirectory, trtexec
    // --tempdir; a version-compatible plan's lean runtime goes there). Empty: TensorRT's default. It must exist.
    std::string temp_dir{};  // {}: aggregate initializers that stop before it stay warning-free
    // What TensorRT may create while loading (IRuntime::setTempfileControlFlags, trtexec --tempfileControls):
    // in-memory files and files in temp_dir. Both allowed by default, as in TensorRT.
    bool allow_in_memory_files = true;
    bool allow_temporary_files = true;
    // The least severe TensorRT message passed to the sink.
    LogSeverity log_threshold = LogSeverity::kWarning;
};

class Engine {
public:
    // Throws FileError (missing, unreadable, a folder; a plugin or lean runtime file the loader refuses; a temp_dir
    // that is not a folder),
    // TensorRTError (an empty plan, or TensorRT refused it: corrupt, truncated, another TensorRT version or GPU,
    // a plugin missing; the message carries TensorRT's words and the file name; or an I/O tensor that is
    // vectorized or host-resident, which the runtime cannot feed), TensorRTNotFound (no libnvinfer). Registers
    // TensorRT's standard plugins first when libnvinfer_plugin exists.
    static std::shared_ptr<Engine> from_file(const std::string& path, LogSink sink, const LoadOptions& options);
    static std::shared_ptr<Engine> from_file(const std::string& path, LogSink sink = {},
                                             bool allow_host_code = false) {
        LoadOptions options;
        options.allow_host_code = allow_host_code;
        return from_file(path, std::move(sink), options);
    }
    // `source` names the plan in error messages (e.g. "<bytes>").
    static std::shared_ptr<Engine> from_bytes(const void* data, std::size_t size, const std::string& source,
                                              LogSink sink, const LoadOptions& options);
    static std::shared_ptr<Engine> from_bytes(const void* data, std::size_t size, const std::string& source,
                                              LogSink sink = {}, bool allow_host_code = false) {
        LoadOptions options;
        options.allow_host_code = allow_host_code;
        return from_bytes(data, size, source, std::move(sink), options);
    }

    // Inputs first, then outputs, each in TensorRT's order.
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    // Device memory one execution context needs for activations (the largest over the profiles).
    int64_t device_memory_size() const;
    int num_profiles() const;
    // Layer information as TensorRT's JSON (IEngineInspector). Detail depends on the profiling verbosity the
    // engine was built with ("detailed" gives types, shapes and tactics; the default gives layer names).
    std::string inspect() const;
    const std::string& source() const { return source_; }

    // The TensorRT runtime, engine and logger behind this engine (defined in tensorrt/engine_handles.h).
    struct Handles;
    Handles& handles() const { return *handles_; }

    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;
    ~Engine();

    struct Key {  // only the factories can make one: keeps the constructor usable by std::make_shared alone
    private:
        Key() = default;
        friend class Engine;
    };
    Engine(Key, std::unique_ptr<Handles> handles, std::string source);

private:
    void read_tensors();
    // TensorRTError unless tensor `name` is device-resident and linear in every profile.
    void check_supported_io(const std::string& name, int32_t profiles) const;

    std::unique_ptr<Handles> handles_;
    std::string source_;
    std::vector<TensorInfo> tensors_;
};

}  // namespace trtcore::trt
