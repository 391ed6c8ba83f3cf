#include "tensorrt/build_controls.h"

#include <NvInfer.h>
#include <NvInferVersion.h>
#include <cuda_runtime_api.h>

#include <string>
#include <utility>

#include "common/error.h"

namespace trtcore::trt {

void select_build_device(const BuildRequest& request) {
    if (request.device < 0) return;
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) count = 0;
    if (request.device >= count) {
        throw CudaError("--device " + std::to_string(request.device) + ": no such GPU (this machine has " +
                        std::to_string(count) + ")");
    }
    const cudaError_t err = cudaSetDevice(request.device);
    if (err != cudaSuccess) {
        throw CudaError("cudaSetDevice(" + std::to_string(request.device) + "): " + cudaGetErrorString(err));
    }
}

namespace {
using TS = nvinfer1::TacticSource;

TS tactic_source(const std::string& name) {
    // By name: the enumerators were renumbered in 11.x.
    if (name == "EDGE_MASK_CONVOLUTIONS") return TS::kEDGE_MASK_CONVOLUTIONS;
    if (name == "JIT_CONVOLUTIONS") return TS::kJIT_CONVOLUTIONS;
#if NV_TENSORRT_MAJOR < 11
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (name == "CUBLAS") return TS::kCUBLAS;
    if (name == "CUBLAS_LT") return TS::kCUBLAS_LT;
    if (name == "CUDNN") return TS::kCUDNN;
#pragma GCC diagnostic pop
    const char* known = "CUBLAS, CUBLAS_LT, CUDNN, EDGE_MASK_CONVOLUTIONS, JIT_CONVOLUTIONS";
#else
    const char* known = "EDGE_MASK_CONVOLUTIONS, JIT_CONVOLUTIONS (TensorRT 11 has no cuBLAS/cuDNN tactics)";
#endif
    throw ArgumentError("--tacticSources: TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + " has no tactic source '" +
                        name + "'; it has " + known);
}

#if NV_TENSORRT_MAJOR < 11
nvinfer1::DataType layer_type(const std::string& name, const std::string& layer) {
    using T = nvinfer1::DataType;
    static const std::pair<const char*, T> types[] = {{"fp32", T::kFLOAT}, {"fp16", T::kHALF}, {"bf16", T::kBF16},
                                                      {"int32", T::kINT32}, {"int64", T::kINT64}, {"int8", T::kINT8},
                                                      {"fp8", T::kFP8}};
    for (const auto& [n, t] : types) {
        if (name == n) return t;
    }
    throw ArgumentError("--layerPrecisions: layer '" + layer + "': unknown precision '" + name +
                        "' (fp32, fp16, bf16, int32, int64, int8, fp8)");
}
#endif
}  // namespace

void apply_tactic_sources(const BuildRequest& request, nvinfer1::IBuilderConfig& config) {
    if (request.tactic_sources.empty()) return;
    nvinfer1::TacticSources sources = config.getTacticSources();
    for (const auto& entry : request.tactic_sources) {
        if (entry.size() < 2 || (entry[0] != '+' && entry[0] != '-')) {
            throw ArgumentError("--tacticSources: '" + entry + "' must be +NAME or -NAME");
        }
        const auto bit = 1U << static_cast<uint32_t>(tactic_source(entry.substr(1)));
        sources = entry[0] == '+' ? (sources | bit) : (sources & ~bit);
    }
    if (!config.setTacticSources(sources)) {
        throw ArgumentError("--tacticSources: TensorRT rejected the tactic sources " + std::to_string(sources));
    }
}

void apply_layer_precisions(const BuildRequest& request, nvinfer1::INetworkDefinition& network) {
    if (request.layer_precisions.empty()) return;
#if NV_TENSORRT_MAJOR >= 11
    (void)network;
    throw ArgumentError("--layerPrecisions: TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                        " has no per-layer precision (layers compute in the model's types)");
#else
    const std::string* any = nullptr;
    for (const auto& [layer, type] : request.layer_precisions) {
        if (layer == "*") any = &type;
    }
    for (const auto& [layer, type] : request.layer_precisions) {
        if (layer == "*") continue;
        bool found = false;
        for (int32_t i = 0; i < network.getNbLayers() && !found; ++i) found = layer == network.getLayer(i)->getName();
        if (!found) throw ArgumentError("--layerPrecisions: the parsed network has no layer named '" + layer + "'");
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // setPrecision: deprecated in 10.x, gone in 11
    for (int32_t i = 0; i < network.getNbLayers(); ++i) {
        nvinfer1::ILayer* l = network.getLayer(i);
        const std::string* type = any;
        for (const auto& [layer, t] : request.layer_precisions) {
            if (layer == l->getName()) type = &t;
        }
        if (type != nullptr) l->setPrecision(layer_type(*type, l->getName()));
    }
#pragma GCC diagnostic pop
#endif
}

}  // namespace trtcore::trt
