// ONNX → serialized TensorRT engine (plan). Implements /work/notes/build_contract.md on the C++ side: the Python
// build layer fills a BuildRequest (its request dict, converted in cpp/bindings/tensorrt.cpp) and gets a
// BuildResult back. No Python here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/tensor.h"

namespace trtcore::trt {

struct BuildRequest {
    std::string onnx_path;
    // Builder flag names: "fp16", "bf16", "int8", "fp8", "int4", "fp4" (10.x only), "no_tf32", "strongly_typed",
    // "version_compatible", "exclude_lean_runtime", "refit", "refit_identical", "strip_plan", "sparse_weights",
    // "weight_streaming", "debug", "gpu_fallback", "disable_timing_cache", "error_on_timing_cache_miss",
    // "disable_compilation_cache", "obey_precision_constraints"/"prefer_precision_constraints" (10.x only).
    std::vector<std::string> flags;
    // One optimization profile per item: input name → min/opt/max. Empty for static models.
    std::vector<std::vector<std::pair<std::string, ProfileShape>>> profiles;
    // Bytes per pool: "workspace", "dla_managed_sram", "dla_local_dram", "dla_global_dram", "tactic_dram",
    // "tactic_shared_memory".
    std::vector<std::pair<std::string, std::uint64_t>> memory_pools;
    int builder_optimization_level = -1;  // -1: TensorRT's default (3)
    int max_aux_streams = -1;             // -1: TensorRT's default
    std::string hardware_compatibility_level = "none";  // "none" | "ampere_plus" | "same_compute_capability"
    std::optional<std::string> timing_cache;            // serialized cache to start from
    std::vector<std::string> plugins;                   // shared libraries to dlopen before parsing
    bool verbose = false;
    std::string profiling_verbosity;  // "" (TensorRT's default: layer names only), "detailed", "none"
};

struct BuildResult {
    std::string engine;                       // the plan
    std::optional<std::string> timing_cache;  // the cache after the build (none when timing caching is disabled)
    bool timing_cache_used = false;           // a non-empty cache was given and TensorRT accepted it
    double seconds = 0;
    std::string tensorrt_version;             // of the library that built the plan, e.g. "10.5.0"
};

enum class ProgressEvent { kStart, kStep, kFinish };
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
