#include "tensorrt/library.h"

#include <NvInferVersion.h>

#include <cstdio>

#include "common/error.h"
#include "common/trt_library.h"

namespace trtcore::trt {

namespace {
using CreateFn = void* (*)(void* logger, int32_t version);
using ParserFn = void* (*)(void* network, void* logger, int version);
using VersionFn = int32_t (*)();
using PluginInitFn = bool (*)(void* logger, const char* lib_namespace);

template <typename Fn>
Fn symbol(const DynamicLibrary& lib, const char* name) {
    auto fn = reinterpret_cast<Fn>(lib.symbol(name));
    if (fn == nullptr) {
        throw TensorRTNotFound(lib.path() + " has no symbol " + name +
                               ": it is not a TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + ".x library");
    }
    return fn;
}

std::string format_version(int v) {
    return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}
}  // namespace

Library& Library::get() {
    // Function-local static: constructed once, thread-safe; a failed construction is retried on the next call.
    static Library library;
    return library;
}

Logger& Library::plugin_logger() {
    // Deliberately leaked: libnvinfer_plugin is never unloaded and may log while the process exits, after
    // function-local statics are destroyed. One small object, once per process.
    static Logger* const logger =
        std::make_unique<Logger>(LogSeverity::kWarning,
                                 [](LogSeverity s, const std::string& msg) {
                                     std::fprintf(stderr, "[TensorRT plugins] %s: %s\n", severity_name(s),
                                                  msg.c_str());
                                 })
            .release();
    return *logger;
}

Library::Library() : nvinfer_(open_tensorrt_library("nvinfer", NV_TENSORRT_MAJOR)) {
    version_ = symbol<VersionFn>(*nvinfer_, "getInferLibVersion")();
    const std::string headers = std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR);
    if (version_ / 10000 != NV_TENSORRT_MAJOR) {
        throw TensorRTError(nvinfer_->path() + " is TensorRT " + format_version(version_) +
                            ", but this trtcore was compiled against TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                            ".x headers (" + headers + "): install TensorRT " + headers + " or a newer " +
                            std::to_string(NV_TENSORRT_MAJOR) +
                            ".x, or rebuild trtcore against the installed version's headers");
    }
    // The headers' inline wrappers call whatever their minor declares; an older library may lack some of it (a
    // missing vtable slot is undefined behaviour, not an error), so an older minor is refused up front.
    if ((version_ / 100) % 100 < NV_TENSORRT_MINOR) {
        throw TensorRTError(nvinfer_->path() + " is TensorRT " + format_version(version_) +
                            ", older than the TensorRT " + headers +
                            " headers this trtcore was compiled against: install TensorRT " + headers +
                            " or a newer " + std::to_string(NV_TENSORRT_MAJOR) +
                            ".x, or rebuild trtcore against the installed version's headers (TensorRT_ROOT=...)");
    }
}

std::string Library::version_string() const { return format_version(version_); }

Ptr<nvinfer1::IRuntime> Library::create_runtime(nvinfer1::ILogger& logger) const {
    auto create = symbol<CreateFn>(*nvinfer_, "createInferRuntime_INTERNAL");
    Ptr<nvinfer1::IRuntime> runtime(static_cast<nvinfer1::IRuntime*>(create(&logger, NV_TENSORRT_VERSION)));
    if (!runtime) throw TensorRTError("TensorRT could not create a runtime (createInferRuntime failed)");
    return runtime;
}

Ptr<nvinfer1::IBuilder> Library::create_builder(nvinfer1::ILogger& logger) const {
    preload_builder_resources(nvinfer_->path());  // see trt_library.h: libnvinfer finds them by soname only
    auto create = symbol<CreateFn>(*nvinfer_, "createInferBuilder_INTERNAL");
    Ptr<nvinfer1::IBuilder> builder(static_cast<nvinfer1::IBuilder*>(create(&logger, NV_TENSORRT_VERSION)));
    if (!builder) throw TensorRTError("TensorRT could not create a builder (createInferBuilder failed)");
    return builder;
}

Ptr<nvonnxparser::IParser> Library::create_parser(nvinfer1::INetworkDefinition& network,
                                                  nvinfer1::ILogger& logger) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!parser_) parser_ = open_tensorrt_library("nvonnxparser", NV_TENSORRT_MAJOR);
    }
    auto create = symbol<ParserFn>(*parser_, "createNvOnnxParser_INTERNAL");
    Ptr<nvonnxparser::IParser> parser(
        static_cast<nvonnxparser::IParser*>(create(&network, &logger, NV_ONNX_PARSER_VERSION)));
    if (!parser) throw TensorRTError("TensorRT could not create an ONNX parser (createNvOnnxParser failed)");
    return parser;
}

void Library::init_plugins() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (plugins_initialised_) return;
    if (!plugins_) plugins_ = open_tensorrt_library("nvinfer_plugin", NV_TENSORRT_MAJOR);
    if (!symbol<PluginInitFn>(*plugins_, "initLibNvInferPlugins")(&plugin_logger(), "")) {
        throw TensorRTError("initLibNvInferPlugins failed in " + plugins_->path());
    }
    plugins_initialised_ = true;
}

void Library::load_plugin_library(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& loaded : user_plugins_) {
        if (loaded.first == path) return;
    }
    // dlopen searches the loader path for a name without '/': "./" keeps it the file the user named.
    const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
    std::vector<std::string> tried;
    auto lib = DynamicLibrary::open(file, {}, tried);
    if (!lib) {
        std::string why;
        for (const auto& t : tried) why += (why.empty() ? "" : "; ") + t;
        throw FileError("cannot load plugin library " + path + ": " + why);
    }
    lib->keep_loaded();  // TensorRT's plugin registry points into it until the process ends
    user_plugins_.emplace_back(path, std::move(lib));
}

}  // namespace trtcore::trt
