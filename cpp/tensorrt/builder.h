// ONNX → serialized TensorRT engine (plan): a BuildRequest in (build_request.h; the Python build layer fills it
// directly), a BuildResult out. No Python here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/tensor.h"
#include "tensorrt/build_request.h"

namespace trtcore::trt {

enum class ProgressEvent { kStart, kStep, kFinish };
// "start" / "step" / "finish", the names Python's progress callbacks get.
const char* progress_event_name(ProgressEvent e);
// (event, phase, parent phase or nullptr, nbSteps for kStart / step index for kStep / 0). Returning false on kStep
// cancels the build. An exception thrown by the callback (or by the log sink) also cancels the build; it is
// re-thrown from build_engine.
using ProgressFn = std::function<bool(ProgressEvent, const char* phase, const char* parent, int32_t value)>;

// Throws FileError (ONNX or plugin file), ArgumentError (a flag, pool, level or profile TensorRT or this major
// lacks), BuildError (parser errors, one per node, or TensorRT's build errors; "build cancelled"),
// TensorRTNotFound.
BuildResult build_engine(const BuildRequest& request, const ProgressFn& progress, LogSink log);

// One cache holding every entry of `caches` (ITimingCache::combine). FormatError for bytes that are not a timing
// cache, TensorRTError for a cache from another device or TensorRT version.
std::string merge_timing_caches(const std::vector<std::string>& caches);

}  // namespace trtcore::trt
