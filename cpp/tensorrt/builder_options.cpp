#include "tensorrt/builder_options.h"

#include <NvInferVersion.h>
#include <sys/stat.h>

#include "common/error.h"

namespace trtcore::trt {

namespace {
using BF = nvinfer1::BuilderFlag;

#define TRTCORE_TRT_AT_LEAST(major, minor) \
    (NV_TENSORRT_MAJOR > (major) || (NV_TENSORRT_MAJOR == (major) && NV_TENSORRT_MINOR >= (minor)))

const char* const kFlagNames =
    "fp16, bf16, int8, fp8, int4, fp4, no_tf32, strongly_typed, version_compatible, exclude_lean_runtime, refit, "
    "refit_identical, strip_plan, sparse_weights, weight_streaming, debug, gpu_fallback, disable_timing_cache, "
    "error_on_timing_cache_miss, disable_compilation_cache, obey_precision_constraints, "
    "prefer_precision_constraints";

void check_readable_file(const std::string& path, const char* what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
        throw FileError(std::string("cannot read ") + what + " " + path + ": " +
                        (S_ISDIR(st.st_mode) ? "it is a folder" : "no such file"));
    }
}

bool set(nvinfer1::IBuilderConfig* config, BF flag) {
    if (config != nullptr) config->setFlag(flag);
    return true;
}

#if NV_TENSORRT_MAJOR == 10
// Weak typing: on 10.12+ these flags are deprecated in favour of strongly typed networks, but on 10.x they are
// still the only way to let TensorRT choose reduced precision for an FP32 model (trtexec --fp16 does the same).
// The deprecation warnings are silenced here, and only here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
bool weak_typing_flag(const std::string& name, nvinfer1::IBuilderConfig* config) {
    if (name == "fp16") return set(config, BF::kFP16);
    if (name == "bf16") return set(config, BF::kBF16);
    if (name == "int8") return set(config, BF::kINT8);
    if (name == "fp8") return set(config, BF::kFP8);
    if (name == "int4") return set(config, BF::kINT4);
#if TRTCORE_TRT_AT_LEAST(10, 8)
    if (name == "fp4") return set(config, BF::kFP4);
#endif
    if (name == "obey_precision_constraints") return set(config, BF::kOBEY_PRECISION_CONSTRAINTS);
    if (name == "prefer_precision_constraints") return set(config, BF::kPREFER_PRECISION_CONSTRAINTS);
    return false;
}
#pragma GCC diagnostic pop
#else
// TensorRT 11 removed weak typing: precision comes from the model's own types.
bool weak_typing_flag(const std::string& name, nvinfer1::IBuilderConfig* /*config*/) {
    for (const char* removed : {"fp16", "bf16", "int8", "fp8", "int4", "fp4"}) {
        if (name == removed) {
            throw ArgumentError("TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + " has no " + name +
                                " builder flag: TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                                " takes precision from the model (strongly typed); convert the model to " + name +
                                " first (`trtcore build --" + name + "` does this before calling the builder)");
        }
    }
    if (name == "obey_precision_constraints" || name == "prefer_precision_constraints") {
        throw ArgumentError("TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + " has no " + name +
                            " builder flag: layer precisions come from the model's types");
    }
    return false;
}
#endif
}  // namespace

void apply_builder_flag(const std::string& name, nvinfer1::IBuilderConfig* config) {
    if (weak_typing_flag(name, config)) return;
    if (name == "strongly_typed") return;  // a network creation flag: see build_engine
    if (name == "no_tf32") {
        if (config != nullptr) config->clearFlag(BF::kTF32);
        return;
    }
    if (name == "version_compatible") { set(config, BF::kVERSION_COMPATIBLE); return; }
    if (name == "exclude_lean_runtime") { set(config, BF::kEXCLUDE_LEAN_RUNTIME); return; }
    if (name == "refit") { set(config, BF::kREFIT); return; }
    if (name == "refit_identical") { set(config, BF::kREFIT_IDENTICAL); return; }
    if (name == "strip_plan") { set(config, BF::kSTRIP_PLAN); return; }
    if (name == "sparse_weights") { set(config, BF::kSPARSE_WEIGHTS); return; }
    if (name == "weight_streaming") { set(config, BF::kWEIGHT_STREAMING); return; }
    if (name == "debug") { set(config, BF::kDEBUG); return; }
    if (name == "gpu_fallback") { set(config, BF::kGPU_FALLBACK); return; }
    if (name == "disable_timing_cache") { set(config, BF::kDISABLE_TIMING_CACHE); return; }
    if (name == "error_on_timing_cache_miss") { set(config, BF::kERROR_ON_TIMING_CACHE_MISS); return; }
    if (name == "disable_compilation_cache") { set(config, BF::kDISABLE_COMPILATION_CACHE); return; }
    throw ArgumentError("unknown builder flag '" + name + "' for TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                        ".x (known: " + kFlagNames + ")");
}

nvinfer1::MemoryPoolType memory_pool(const std::string& name) {
    using P = nvinfer1::MemoryPoolType;
    if (name == "workspace") return P::kWORKSPACE;
    if (name == "dla_managed_sram") return P::kDLA_MANAGED_SRAM;
    if (name == "dla_local_dram") return P::kDLA_LOCAL_DRAM;
    if (name == "dla_global_dram") return P::kDLA_GLOBAL_DRAM;
    if (name == "tactic_dram") return P::kTACTIC_DRAM;
    if (name == "tactic_shared_memory") return P::kTACTIC_SHARED_MEMORY;
    throw ArgumentError("unknown memory pool '" + name +
                        "' (known: workspace, dla_managed_sram, dla_local_dram, dla_global_dram, tactic_dram, "
                        "tactic_shared_memory)");
}

nvinfer1::HardwareCompatibilityLevel hardware_compatibility(const std::string& name) {
    using H = nvinfer1::HardwareCompatibilityLevel;
    if (name == "none" || name.empty()) return H::kNONE;
    if (name == "ampere_plus") return H::kAMPERE_PLUS;
    if (name == "same_compute_capability") {
#if TRTCORE_TRT_AT_LEAST(10, 9)
        return H::kSAME_COMPUTE_CAPABILITY;
#else
        throw ArgumentError("hardware compatibility level 'same_compute_capability' needs TensorRT 10.9 or newer; "
                            "this trtcore was compiled against TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + "." +
                            std::to_string(NV_TENSORRT_MINOR));
#endif
    }
    throw ArgumentError("unknown hardware compatibility level '" + name +
                        "' (known: none, ampere_plus, same_compute_capability)");
}

nvinfer1::ProfilingVerbosity profiling_verbosity(const std::string& name) {
    using V = nvinfer1::ProfilingVerbosity;
    if (name == "layer_names_only") return V::kLAYER_NAMES_ONLY;
    if (name == "detailed") return V::kDETAILED;
    if (name == "none") return V::kNONE;
    throw ArgumentError("unknown profiling verbosity '" + name + "' (known: layer_names_only, detailed, none)");
}

void validate_request(const BuildRequest& r) {
    check_readable_file(r.onnx_path, "ONNX model");
    for (const auto& f : r.flags) apply_builder_flag(f, nullptr);
    for (const auto& pool : r.memory_pools) memory_pool(pool.first);
    hardware_compatibility(r.hardware_compatibility_level);
    if (!r.profiling_verbosity.empty()) profiling_verbosity(r.profiling_verbosity);
    if (r.builder_optimization_level < -1 || r.builder_optimization_level > 5) {
        throw ArgumentError("builder optimization level must be 0..5 (or -1 for TensorRT's default), not " +
                            std::to_string(r.builder_optimization_level));
    }
    if (r.max_aux_streams < -1) {
        throw ArgumentError("max aux streams must be >= 0 (or -1 for TensorRT's default), not " +
                            std::to_string(r.max_aux_streams));
    }
    for (std::size_t i = 0; i < r.profiles.size(); ++i) {
        for (const auto& p : r.profiles[i]) {
            if (p.min.size() != p.opt.size() || p.opt.size() != p.max.size()) {
                throw ShapeError("optimization profile " + std::to_string(i) + ", input '" + p.name +
                                 "': min " + to_string(p.min) + ", opt " + to_string(p.opt) + " and max " +
                                 to_string(p.max) + " must have the same number of dimensions");
            }
        }
    }
}

std::string parser_error_name(nvonnxparser::ErrorCode code) {
    using E = nvonnxparser::ErrorCode;
    switch (code) {
        case E::kSUCCESS: return "SUCCESS";
        case E::kINTERNAL_ERROR: return "INTERNAL_ERROR";
        case E::kMEM_ALLOC_FAILED: return "MEM_ALLOC_FAILED";
        case E::kMODEL_DESERIALIZE_FAILED: return "MODEL_DESERIALIZE_FAILED";
        case E::kINVALID_VALUE: return "INVALID_VALUE";
        case E::kINVALID_GRAPH: return "INVALID_GRAPH";
        case E::kINVALID_NODE: return "INVALID_NODE";
        case E::kUNSUPPORTED_GRAPH: return "UNSUPPORTED_GRAPH";
        case E::kUNSUPPORTED_NODE: return "UNSUPPORTED_NODE";
        case E::kUNSUPPORTED_NODE_ATTR: return "UNSUPPORTED_NODE_ATTR";
        case E::kUNSUPPORTED_NODE_INPUT: return "UNSUPPORTED_NODE_INPUT";
        case E::kUNSUPPORTED_NODE_DATATYPE: return "UNSUPPORTED_NODE_DATATYPE";
        case E::kUNSUPPORTED_NODE_DYNAMIC: return "UNSUPPORTED_NODE_DYNAMIC";
        case E::kUNSUPPORTED_NODE_SHAPE: return "UNSUPPORTED_NODE_SHAPE";
        case E::kREFIT_FAILED: return "REFIT_FAILED";
        default: break;
    }
    return "error code " + std::to_string(static_cast<int>(code));
}

bool is_unsupported_node(nvonnxparser::ErrorCode code) {
    using E = nvonnxparser::ErrorCode;
    return code == E::kUNSUPPORTED_NODE || code == E::kUNSUPPORTED_NODE_ATTR || code == E::kUNSUPPORTED_NODE_INPUT ||
           code == E::kUNSUPPORTED_NODE_DATATYPE || code == E::kUNSUPPORTED_NODE_DYNAMIC ||
           code == E::kUNSUPPORTED_NODE_SHAPE;
}

}  // namespace trtcore::trt
