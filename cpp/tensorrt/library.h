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
    // Opens libnvonnxparser.so.<major> on first use.
    Ptr<nvonnxparser::IParser> create_parser(nvinfer1::INetworkDefinition& network, nvinfer1::ILogger& logger);
    // Opens libnvinfer_plugin.so.<major> on first use and registers its plugins with plugin_logger() (idempotent).
    // TensorRTNotFound when the library is missing, TensorRTError when its initialisation fails.
    void init_plugins();
    // dlopens a plugin library (its static initialisers register its creators) and keeps it loaded for the
    // process: engines built or loaded with its plugins refer to it. `path` is a file, never a name the loader
    // searches for (a path without '/' is taken relative to the working folder). Idempotent per path. FileError
    // when the loader refuses it (the message carries the loader's reason).
    void load_plugin_library(const std::string& path);

    int version() const { return version_; }  // major*10000 + minor*100 + patch, as getInferLibVersion returns
    std::string version_string() const;
    const std::string& path() const { return nvinfer_->path(); }

private:
    Library();
    // All marked keep_loaded: the function-local static Library is destroyed at exit, TensorRT must not be.
    std::unique_ptr<DynamicLibrary> nvinfer_;
    std::unique_ptr<DynamicLibrary> parser_;
    std::unique_ptr<DynamicLibrary> plugins_;
    std::vector<std::pair<std::string, std::unique_ptr<DynamicLibrary>>> user_plugins_;
    bool plugins_initialised_ = false;
    std::mutex mutex_;
    int version_ = 0;
};

}  // namespace trtcore::trt
