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

namespace trtcore::trt {

// TensorRT objects have public virtual destructors since 8.0: std::unique_ptr's default deleter is right.
template <typename T>
using Ptr = std::unique_ptr<T>;

class Library {
public:
    // The process-wide libnvinfer.so.<NV_TENSORRT_MAJOR>, opened on first use. Throws TensorRTNotFound listing
    // where it looked, or TensorRTError when the library's major differs from the headers'.
    static Library& get();

    Ptr<nvinfer1::IRuntime> create_runtime(nvinfer1::ILogger& logger) const;
    Ptr<nvinfer1::IBuilder> create_builder(nvinfer1::ILogger& logger) const;
    // Opens libnvonnxparser.so.<major> on first use.
    Ptr<nvonnxparser::IParser> create_parser(nvinfer1::INetworkDefinition& network, nvinfer1::ILogger& logger);
    // Opens libnvinfer_plugin.so.<major> on first use and registers its plugins (idempotent).
    void init_plugins(nvinfer1::ILogger& logger);
    // dlopens a plugin library (its static initialisers register its creators) and keeps it loaded for the
    // process: engines built or loaded with its plugins refer to it. Idempotent per path. FileError when the
    // loader refuses it (the message carries the loader's reason).
    void load_plugin_library(const std::string& path);

    int version() const { return version_; }  // major*10000 + minor*100 + patch, as getInferLibVersion returns
    std::string version_string() const;
    const std::string& path() const { return nvinfer_->path(); }

private:
    Library();
    std::unique_ptr<DynamicLibrary> nvinfer_;
    std::unique_ptr<DynamicLibrary> parser_;
    std::unique_ptr<DynamicLibrary> plugins_;
    std::vector<std::pair<std::string, std::unique_ptr<DynamicLibrary>>> user_plugins_;
    bool plugins_initialised_ = false;
    std::mutex mutex_;
    int version_ = 0;
};

}  // namespace trtcore::trt
