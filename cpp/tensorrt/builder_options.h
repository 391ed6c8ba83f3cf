// Builder option names (the contract's words) → TensorRT's builder enums, by name and under NV_TENSORRT_MAJOR /
// MINOR guards, and the checks of a BuildRequest made before TensorRT is loaded. Internal to builder.cpp.
#pragma once

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <string>

#include "tensorrt/build_request.h"

namespace trtcore::trt {

// Applies flag `name` to `config`, or only validates it when `config` is null. "strongly_typed" is a network
// creation flag: accepted here and left to the caller. Throws ArgumentError for a name this TensorRT lacks.
void apply_builder_flag(const std::string& name, nvinfer1::IBuilderConfig* config);
// Throws ArgumentError for an unknown pool name.
nvinfer1::MemoryPoolType memory_pool(const std::string& name);
// Throws ArgumentError for an unknown level or one this TensorRT lacks.
nvinfer1::HardwareCompatibilityLevel hardware_compatibility(const std::string& name);
// Throws ArgumentError for an unknown name.
nvinfer1::ProfilingVerbosity profiling_verbosity(const std::string& name);
// Everything in `request` that can be checked without TensorRT (the ONNX file exists, flag, pool, level and
// verbosity names, optimization level, aux streams, profile ranks), so that bad arguments fail fast and the same way
// everywhere. Throws FileError, ArgumentError or ShapeError. Calls nothing in TensorRT (fuzz/build_request_fuzzer).
void validate_request(const BuildRequest& request);
// The parser's error code by name, e.g. "UNSUPPORTED_NODE".
std::string parser_error_name(nvonnxparser::ErrorCode code);
// kUNSUPPORTED_NODE and its refinements (attribute, input, data type, dynamic, shape): a plugin may help.
bool is_unsupported_node(nvonnxparser::ErrorCode code);

}  // namespace trtcore::trt
