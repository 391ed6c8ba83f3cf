#include "tensorrt/library.h"

#include <NvInferVersion.h>

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

Library::Library() : nvinfer_(open_tensorrt_library("nvinfer", NV_TENSORRT_MAJOR)) {
    version_ = symbol<VersionFn>(*nvinfer_, "getInferLibVersion")();
    if (version_ / 10000 != NV_TENSORRT_MAJOR) {
        throw TensorRTError(nvinfer_->path() + " is TensorRT " + format_version(version_) +
                            ", but this trtcore was compiled against TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                            ".x headers: install TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                            ".x or rebuild trtcore against the installed version's headers");
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

void Library::init_plugins(nvinfer1::ILogger& logger) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (plugins_initialised_) return;
    if (!plugins_) plugins_ = open_tensorrt_library("nvinfer_plugin", NV_TENSORRT_MAJOR);
    if (!symbol<PluginInitFn>(*plugins_, "initLibNvInferPlugins")(&logger, "")) {
        throw TensorRTError("initLibNvInferPlugins failed in " + plugins_->path());
    }
    plugins_initialised_ = true;
}

void Library::load_plugin_library(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& loaded : user_plugins_) {
        if (loaded.first == path) return;
    }
    std::vector<std::string> tried;
    auto lib = DynamicLibrary::open(path, {}, tried);
    if (!lib) {
        std::string why;
        for (const auto& t : tried) why += (why.empty() ? "" : "; ") + t;
        throw FileError("cannot load plugin library " + path + ": " + why);
    }
    user_plugins_.emplace_back(path, std::move(lib));
}

}  // namespace trtcore::trt
