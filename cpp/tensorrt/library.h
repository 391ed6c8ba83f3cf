// TensorRT's libraries opened at run time (dlopen), never linked: trtcore builds and imports without them.
// The entry points are the ones the headers' inline factories call (createInferRuntime_INTERNAL, ...).
#pragma once

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/dynlib.h"
#include "tensorrt/logger.h"

namespace trtcore::trt {

// TensorRT objects have public virtual destructors since 8.0: std::unique_ptr's default deleter is right.
template <typename T>
using Ptr = std::unique_ptr<T>;

class Library {
public:
    // The process-wide libnvinfer.so.<NV_TENSORRT_MAJOR>, opened on first use. Throws TensorRTNotFound listing
    // where it looked, or TensorRTError when the library's major differs from the headers' or its minor is older
    // (code compiled against newer headers may call functions an older library lacks).
    static Library& get();
    // The logger libnvinfer_plugin is given. initLibNvInferPlugins keeps it for the whole process (plugins log
    // through it long after the call, and it is never replaced), so it is never destroyed. Warnings and errors
    // go to stderr until set_sink is called (the Python module forwards them to Python's logging).
    static Logger& plugin_logger();

    Ptr<nvinfer1::IRuntime> create_runtime(nvinfer1::ILogger& logger) const;
    Ptr<nvinfer1::IBuilder> create_builder(nvinfer1::ILogger& logger) const;
    // Opens libnvonnxparser.so.<major> on first use, from libnvinfer's folder first; TensorRTError when the file
    // names another release than libnvinfer's.
    Ptr<nvonnxparser::IParser> create_parser(nvinfer1::INetworkDefinition& network, Logger& logger);
    // An IRefitter for `engine` (createInferRefitter), logging to `logger`; it must not outlive the engine.
    // TensorRTError with TensorRT's logged words when TensorRT gives none.
    Ptr<nvinfer1::IRefitter> create_refitter(nvinfer1::ICudaEngine& engine, Logger& logger) const;
    // The ONNX parser's refitter over `refitter` (createNvOnnxParserRefitter, in libnvonnxparser, opened as for
    // create_parser); it must not outlive `refitter`. TensorRTError when TensorRT gives none.
    Ptr<nvonnxparser::IParserRefitter> create_parser_refitter(nvinfer1::IRefitter& refitter, Logger& logger);
    // Opens libnvinfer_plugin.so.<major> on first use (libnvinfer's folder first) and registers its plugins with
    // plugin_logger() (idempotent). TensorRTNotFound when the library is missing, TensorRTError when it is another
    // release than libnvinfer or its initialisation fails.
    void init_plugins();
    // Registers plugin libraries with `registry` (a builder's or a runtime's IPluginRegistry), as trtexec does:
    // a library exporting getCreators/getPluginCreators through IPluginRegistry::loadLibrary, one that registers
    // its creators when loaded (REGISTER_TENSORRT_PLUGIN) by loading it. libnvinfer's symbols are made global
    // first, so a plugin that calls getPluginRegistry() without linking libnvinfer itself loads. A path without
    // '/' is a file in the working folder, never a name the loader searches for. Idempotent per (registry, path);
    // the libraries stay loaded for the process (the registry points into them). FileError when the loader
    // refuses a file (with its reason), TensorRTError when the registry does (with what TensorRT reported).
    void load_plugins(nvinfer1::IPluginRegistry& registry, const std::vector<std::string>& paths, Logger& logger);

    int version() const { return version_; }  // major*10000 + minor*100 + patch, as getInferLibVersion returns
    std::string version_string() const;
    const std::string& path() const { return nvinfer_->path(); }

private:
    Library();
    // libnvonnxparser, opened on first use; a warning about its release goes to `logger`.
    const DynamicLibrary& parser_library(Logger& logger);
    // All marked keep_loaded: the function-local static Library is destroyed at exit, TensorRT must not be.
    std::unique_ptr<DynamicLibrary> nvinfer_;
    std::unique_ptr<DynamicLibrary> parser_;
    std::unique_ptr<DynamicLibrary> plugins_;
    std::vector<std::pair<std::string, std::unique_ptr<DynamicLibrary>>> user_plugins_;
    std::vector<std::pair<const nvinfer1::IPluginRegistry*, std::string>> registered_;  // (registry, path)
    bool nvinfer_global_ = false;
    bool plugins_initialised_ = false;
    std::mutex mutex_;
    int version_ = 0;
};

}  // namespace trtcore::trt
