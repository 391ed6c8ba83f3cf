#include "tensorrt/library_info.h"

#include <NvInferVersion.h>

#include <utility>

#include "tensorrt/library.h"

namespace trtcore::trt {

std::string headers_version() {
    return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
           std::to_string(NV_TENSORRT_PATCH);
}

int headers_major() { return NV_TENSORRT_MAJOR; }

std::string library_version() { return Library::get().version_string(); }

void set_plugin_log_sink(LogSink sink) { Library::plugin_logger().set_sink(std::move(sink)); }

}  // namespace trtcore::trt
