#include "tensorrt/engine.h"

#include <NvInfer.h>

#include <NvInferVersion.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

#include "common/error.h"
#include "tensorrt/engine_handles.h"
#include "tensorrt/types.h"

namespace trtcore::trt {

namespace {
std::vector<char> read_plan(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw FileError("cannot open TensorRT engine " + path + ": " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) throw FileError("cannot open TensorRT engine " + path + ": it is a folder");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileError("cannot open TensorRT engine " + path + ": " + std::strerror(errno));
    std::vector<char> data(static_cast<std::size_t>(st.st_size));
    if (!data.empty() && !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
        throw FileError("cannot read TensorRT engine " + path + " (" + std::to_string(data.size()) +
                        " bytes expected, " + std::to_string(in.gcount()) + " read)");
    }
    return data;
}

// IRuntime::loadRuntime: the lean runtime a plan built with exclude_lean_runtime runs on (it must be the
// TensorRT release that built the plan).
Ptr<nvinfer1::IRuntime> load_lean_runtime(nvinfer1::IRuntime& parent, const std::string& path, Logger& logger) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
        throw FileError("cannot load the lean runtime " + path + ": " +
                        (S_ISDIR(st.st_mode) ? "it is a folder" : std::strerror(errno)));
    }
    Ptr<nvinfer1::IRuntime> lean(parent.loadRuntime(path.c_str()));
    if (!lean) {
        throw TensorRTError("TensorRT could not load the lean runtime " + path + " (IRuntime::loadRuntime failed; it "
                            "must be the libnvinfer_lean of the TensorRT release that built the plan)" +
                            because(logger));
    }
    return lean;
}

// IRuntime::setTemporaryDirectory / setTempfileControlFlags, as trtexec --tempdir / --tempfileControls set them.
// TensorRT takes any path silently and fails later, so a temp_dir that is not a folder is refused here.
void check_temp_dir(const std::string& path) {
    if (path.empty()) return;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw FileError("cannot use " + path + " as the folder for TensorRT's temporary files: " +
                        std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        throw FileError("cannot use " + path + " as the folder for TensorRT's temporary files: it is not a folder");
    }
}

void set_tempfiles(nvinfer1::IRuntime& runtime, const LoadOptions& options) {
    if (!options.temp_dir.empty()) runtime.setTemporaryDirectory(options.temp_dir.c_str());
    nvinfer1::TempfileControlFlags flags = 0;
    if (options.allow_in_memory_files) {
        flags |= 1U << static_cast<uint32_t>(nvinfer1::TempfileControlFlag::kALLOW_IN_MEMORY_FILES);
    }
    if (options.allow_temporary_files) {
        flags |= 1U << static_cast<uint32_t>(nvinfer1::TempfileControlFlag::kALLOW_TEMPORARY_FILES);
    }
    runtime.setTempfileControlFlags(flags);
}

std::string version_hint() {
    return "A plan loads only in the TensorRT version that built it (this trtcore uses TensorRT " +
           Library::get().version_string() +
           ") on the same GPU model, unless it was built version- or hardware-compatible (version-compatible plans "
           "also need allow_host_code=True); rebuild it with `trtcore build`";
}
}  // namespace

std::shared_ptr<Engine> Engine::from_file(const std::string& path, LogSink sink, const LoadOptions& options) {
    const auto data = read_plan(path);
    return from_bytes(data.data(), data.size(), path, std::move(sink), options);
}

std::shared_ptr<Engine> Engine::from_bytes(const void* data, std::size_t size, const std::string& source,
                                           LogSink sink, const LoadOptions& options) {
    if (size == 0) {
        throw TensorRTError("cannot load TensorRT engine " + source +
                            ": it is empty (0 bytes), not a plan; build one with "
                            "`trtcore build --onnx model.onnx --saveEngine model.engine`");
    }
    check_temp_dir(options.temp_dir);
    auto& library = Library::get();
    auto handles = std::make_unique<Handles>();
    handles->logger = std::make_shared<Logger>(options.log_threshold, std::move(sink));
    if (options.lean_runtime.empty()) {
        handles->runtime = library.create_runtime(*handles->logger);
    } else {
        handles->parent_runtime = library.create_runtime(*handles->logger);
        set_tempfiles(*handles->parent_runtime, options);
        handles->runtime = load_lean_runtime(*handles->parent_runtime, options.lean_runtime, *handles->logger);
    }
    auto& runtime = handles->runtime;
    set_tempfiles(*runtime, options);
    runtime->setEngineHostCodeAllowed(options.allow_host_code);
    // A plan using TensorRT's standard plugins deserializes only once they are registered (trtexec registers them
    // always). Most plans use none, so a missing libnvinfer_plugin is only mentioned if deserializing fails.
    std::string plugins_missing;
    try {
        library.init_plugins();
    } catch (const Error& e) {
        plugins_missing = e.what();
        plugins_missing = plugins_missing.substr(0, plugins_missing.find('\n'));
    }
    // The registry of this runtime: a lean runtime (loadRuntime) has its own, apart from libnvinfer's.
    library.load_plugins(runtime->getPluginRegistry(), options.plugins, *handles->logger);
    handles->engine.reset(runtime->deserializeCudaEngine(data, size));
    if (!handles->engine) {
        std::string why = handles->logger->take_errors();
        if (why.empty()) why = "TensorRT gave no reason";
        if (!plugins_missing.empty()) why += " (TensorRT's standard plugins are not loaded: " + plugins_missing + ")";
        if (options.plugins.empty()) why += " (no plugin library was given: a plan whose layers need one loads "
                                            "only with it, plugins=[...] / --plugins)";
        throw TensorRTError("cannot load TensorRT engine " + source + " (" + std::to_string(size) +
                            " bytes): " + why + ". " + version_hint());
    }
    auto result = std::make_shared<Engine>(Key{}, std::move(handles), source);
    result->read_tensors();
    return result;
}

Engine::Engine(Key, std::unique_ptr<Handles> handles, std::string source)
    : handles_(std::move(handles)), source_(std::move(source)) {}

Engine::~Engine() = default;

void Engine::read_tensors() {
    const nvinfer1::ICudaEngine& engine = *handles_->engine;
    const int32_t n = engine.getNbIOTensors();
    const int32_t profiles = engine.getNbOptimizationProfiles();
    for (int32_t i = 0; i < n; ++i) {
        const char* name = engine.getIOTensorName(i);
        if (name == nullptr) continue;
        TensorInfo info;
        info.name = name;
        const auto mode = engine.getTensorIOMode(name);
        if (mode == nvinfer1::TensorIOMode::kINPUT) {
            info.io = TensorIO::kInput;
        } else if (mode == nvinfer1::TensorIOMode::kOUTPUT) {
            info.io = TensorIO::kOutput;
        } else {
            continue;  // kNONE: not an I/O tensor
        }
        check_supported_io(info.name, profiles);
        info.dtype = from_trt(engine.getTensorDataType(name), "tensor '" + info.name + "' of " + source_);
        info.shape = from_trt(engine.getTensorShape(name));
        const char* format = engine.getTensorFormatDesc(name);
        info.format = format != nullptr ? format : "";
        if (info.io == TensorIO::kInput) {
            for (int32_t p = 0; p < profiles; ++p) {
                ProfileShape ps;
                ps.min = from_trt(engine.getProfileShape(name, p, nvinfer1::OptProfileSelector::kMIN));
                ps.opt = from_trt(engine.getProfileShape(name, p, nvinfer1::OptProfileSelector::kOPT));
                ps.max = from_trt(engine.getProfileShape(name, p, nvinfer1::OptProfileSelector::kMAX));
                info.profiles.push_back(std::move(ps));
            }
        }
        tensors_.push_back(std::move(info));
    }
    std::stable_partition(tensors_.begin(), tensors_.end(),
                          [](const TensorInfo& t) { return t.io == TensorIO::kInput; });
}

// The runtime (cpp/runtime) gives every I/O tensor a dense device buffer of volume × element size. A vectorized
// or channel-last format needs padded or reordered buffers, and a host-resident tensor (a shape tensor) needs host
// memory: running such a plan would read and write out of bounds, so it is refused when loaded.
void Engine::check_supported_io(const std::string& name, int32_t profiles) const {
    const nvinfer1::ICudaEngine& engine = *handles_->engine;
    const std::string what = "tensor '" + name + "' of " + source_;
    if (engine.getTensorLocation(name.c_str()) != nvinfer1::TensorLocation::kDEVICE) {
        throw TensorRTError(what + " lives in host memory (TensorLocation::kHOST, e.g. a shape tensor): trtcore "
                            "runs only plans whose inputs and outputs are all in device memory; make that value a "
                            "constant of the model, or run this plan with TensorRT directly");
    }
    for (int32_t p = 0; p < std::max<int32_t>(profiles, 1); ++p) {
        if (engine.getTensorFormat(name.c_str(), p) == nvinfer1::TensorFormat::kLINEAR) continue;
        const char* desc = engine.getTensorFormatDesc(name.c_str(), p);
        throw TensorRTError(what + " has the I/O format \"" + (desc != nullptr ? desc : "?") +
                            "\" (optimization profile " + std::to_string(p) +
                            "): trtcore supports only linear (row-major, not vectorized) I/O tensors; rebuild the "
                            "engine without --inputIOFormats/--outputIOFormats, or with linear ones (e.g. fp16:chw)");
    }
}

int64_t Engine::device_memory_size() const { return handles_->engine->getDeviceMemorySizeV2(); }

int Engine::num_profiles() const { return handles_->engine->getNbOptimizationProfiles(); }

std::string Engine::inspect() const {
    Ptr<nvinfer1::IEngineInspector> inspector(handles_->engine->createEngineInspector());
    if (!inspector) {
        throw TensorRTError("TensorRT could not create an engine inspector for " + source_ +
                            because(*handles_->logger));
    }
    const char* json = inspector->getEngineInformation(nvinfer1::LayerInformationFormat::kJSON);
    if (json == nullptr) {
        throw TensorRTError("TensorRT gave no layer information for " + source_ + because(*handles_->logger));
    }
    return json;
}

}  // namespace trtcore::trt
