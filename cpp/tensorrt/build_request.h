// What the builder is asked to do and what it gives back: plain data, no TensorRT types, so the bindings can bind
// it (trtcore._core.BuildRequest / BuildResult) whether or not TensorRT is compiled in. The Python build layer
// (python/trtcore/builder/build.py) fills a BuildRequest field by field; values are checked there (BuildConfig)
// and again, against the TensorRT compiled in, by build_engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/tensor.h"

namespace trtcore::trt {

// One input's min/opt/max in one optimization profile.
struct ProfileInput : ProfileShape {
    std::string name;
};

struct BuildRequest {
    std::string onnx_path;
    // Builder flag names: "fp16", "bf16", "int8", "fp8", "int4", "fp4" (10.x only), "no_tf32", "strongly_typed",
    // "version_compatible", "exclude_lean_runtime", "refit", "refit_identical", "strip_plan", "sparse_weights",
    // "weight_streaming", "debug", "gpu_fallback", "disable_timing_cache", "error_on_timing_cache_miss",
    // "disable_compilation_cache", "obey_precision_constraints"/"prefer_precision_constraints" (10.x only).
    std::vector<std::string> flags;
    // One optimization profile per item, one entry per dynamic input. Empty for static models.
    std::vector<std::vector<ProfileInput>> profiles;
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
    // trtexec's --inputIOFormats/--outputIOFormats, per tensor: (input or output name, "fp16" ...), linear layout.
    std::vector<std::pair<std::string, std::string>> io_types;
    int device = -1;                                              // --device: the GPU to build on; -1 the current
    std::vector<std::string> tactic_sources;                      // --tacticSources: "+CUDNN", "-JIT_CONVOLUTIONS"
    std::vector<std::pair<std::string, std::string>> layer_precisions;  // --layerPrecisions: (layer or "*", "fp16")
};

struct BuildResult {
    std::string engine;                       // the plan
    std::optional<std::string> timing_cache;  // the cache after the build (none when timing caching is disabled)
    bool timing_cache_used = false;           // a non-empty cache was given and TensorRT accepted it
    double seconds = 0;
    std::string tensorrt_version;             // of the library that built the plan, e.g. "10.5.0"
};

}  // namespace trtcore::trt
