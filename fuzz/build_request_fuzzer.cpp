// libFuzzer harness for build-request decoding: what turns a BuildRequest's fields (cpp/tensorrt/build_request.h,
// filled field by field from Python) into TensorRT settings, without TensorRT: validate_request and the name →
// enum mappings (cpp/tensorrt/builder_options.cpp), and the profile shapes → nvinfer1::Dims (types.cpp to_trt).
// Compiled against TensorRT's headers; no TensorRT library is loaded or called.
//
// Property: a request is refused with a trtcore ArgumentError / ShapeError / FileError, or accepted; when accepted,
// every name maps to a TensorRT enumerator and every profile shape converts to Dims and back unchanged.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "tensorrt/build_request.h"
#include "tensorrt/builder_options.h"
#include "tensorrt/types.h"

namespace {
using namespace trtcore;
using namespace trtcore::trt;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "property violated: %s\n", what.c_str());
    std::abort();
}

// Known words most of the time (so the fuzzer gets past them), anything else otherwise.
std::string word(FuzzedDataProvider& in, const std::vector<const char*>& known) {
    if (in.ConsumeIntegralInRange<int>(0, 3) != 0) return known[in.ConsumeIntegralInRange<std::size_t>(0, known.size() - 1)];
    return in.ConsumeRandomLengthString(24);
}

const std::vector<const char*> kFlags = {
    "fp16", "bf16", "int8", "fp8", "int4", "fp4", "no_tf32", "strongly_typed", "version_compatible",
    "exclude_lean_runtime", "refit", "refit_identical", "strip_plan", "sparse_weights", "weight_streaming", "debug",
    "gpu_fallback", "disable_timing_cache", "error_on_timing_cache_miss", "disable_compilation_cache",
    "obey_precision_constraints", "prefer_precision_constraints"};
const std::vector<const char*> kPools = {"workspace", "dla_managed_sram", "dla_local_dram", "dla_global_dram",
                                         "tactic_dram", "tactic_shared_memory"};
const std::vector<const char*> kLevels = {"none", "", "ampere_plus", "same_compute_capability"};
const std::vector<const char*> kVerbosity = {"", "layer_names_only", "detailed", "none"};

Shape shape(FuzzedDataProvider& in, std::size_t rank) {
    Shape s;
    for (std::size_t i = 0; i < rank; ++i)
        s.push_back(in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(-2, 64) : in.ConsumeIntegral<int64_t>());
    return s;
}

BuildRequest decode(FuzzedDataProvider& in) {
    BuildRequest r;
    // A file that exists (this program) or a path from the input.
    r.onnx_path = in.ConsumeIntegralInRange<int>(0, 7) != 0 ? "/proc/self/exe" : in.ConsumeRandomLengthString(32);
    for (auto n = in.ConsumeIntegralInRange<int>(0, 6); n > 0; --n) r.flags.push_back(word(in, kFlags));
    for (auto n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
        r.memory_pools.emplace_back(word(in, kPools), in.ConsumeIntegral<std::uint64_t>());
    }
    r.builder_optimization_level = in.ConsumeBool() ? in.ConsumeIntegralInRange<int>(-2, 6) : in.ConsumeIntegral<int>();
    r.max_aux_streams = in.ConsumeBool() ? in.ConsumeIntegralInRange<int>(-2, 8) : in.ConsumeIntegral<int>();
    r.hardware_compatibility_level = word(in, kLevels);
    r.profiling_verbosity = word(in, kVerbosity);
    for (auto n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
        std::vector<ProfileInput> profile;
        for (auto k = in.ConsumeIntegralInRange<int>(0, 3); k > 0; --k) {
            const auto rank = in.ConsumeIntegralInRange<std::size_t>(0, 10);
            ProfileInput p;
            p.name = in.ConsumeRandomLengthString(8);
            p.min = shape(in, rank);
            p.opt = shape(in, in.ConsumeIntegralInRange<int>(0, 7) != 0 ? rank : in.ConsumeIntegralInRange<std::size_t>(0, 10));
            p.max = shape(in, rank);
            profile.push_back(std::move(p));
        }
        r.profiles.push_back(std::move(profile));
    }
    if (in.ConsumeBool()) r.timing_cache = in.ConsumeRandomLengthString(64);
    r.verbose = in.ConsumeBool();
    return r;
}

void check_accepted(const BuildRequest& r) {
    for (const auto& [name, bytes] : r.memory_pools) {
        (void)bytes;
        const auto pool = static_cast<int>(memory_pool(name));
        if (pool < 0 || pool > 16) fail("memory pool '" + name + "' maps outside MemoryPoolType");
    }
    hardware_compatibility(r.hardware_compatibility_level);
    if (!r.profiling_verbosity.empty()) profiling_verbosity(r.profiling_verbosity);
    for (const auto& profile : r.profiles) {
        for (const auto& p : profile) {
            for (const Shape* s : {&p.min, &p.opt, &p.max}) {
                try {
                    const nvinfer1::Dims dims = to_trt(*s, "profile input '" + p.name + "'");
                    if (from_trt(dims) != *s) fail("to_trt / from_trt changed " + to_string(*s));
                } catch (const ShapeError&) {
                    if (s->size() <= static_cast<std::size_t>(nvinfer1::Dims::MAX_DIMS)) fail("to_trt refused a shape");
                }
            }
        }
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const BuildRequest r = decode(in);
    try {
        validate_request(r);
    } catch (const ArgumentError&) {  // ShapeError and DTypeError are ArgumentErrors
        return 0;
    } catch (const FileError&) {
        return 0;
    }
    check_accepted(r);  // anything thrown here escapes: an accepted request must convert
    return 0;
}
