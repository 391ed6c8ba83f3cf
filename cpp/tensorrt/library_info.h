// What the bindings and the apps may ask of the process-wide TensorRT library (tensorrt/library.h) without
// TensorRT's headers: versions, and where libnvinfer_plugin's messages go.
#pragma once

#include <string>

#include "common/log.h"

namespace trtcore::trt {

// The TensorRT headers this trtcore was compiled against: "major.minor.patch", and the major alone.
std::string headers_version();
int headers_major();
// The libnvinfer loaded (loads it on first use): TensorRTNotFound when it is missing.
std::string library_version();
// Where libnvinfer_plugin's process-wide logger sends warnings and errors (stderr until this is called).
void set_plugin_log_sink(LogSink sink);

}  // namespace trtcore::trt
