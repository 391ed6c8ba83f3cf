// trtexec's --device, --tacticSources and --layerPrecisions on a build: the GPU it runs on, the tactic libraries
// TensorRT may time, and per-layer compute precisions (TensorRT 10 weak typing). Internal to the TensorRT layer.
#pragma once

#include "tensorrt/build_request.h"

namespace nvinfer1 {
class IBuilderConfig;
class INetworkDefinition;
}  // namespace nvinfer1

namespace trtcore::trt {

// cudaSetDevice(request.device) for the calling thread (the one that builds), when device >= 0. CudaError naming
// the device and how many there are when it does not exist.
void select_build_device(const BuildRequest& request);

// request.tactic_sources ("+CUDNN", "-JIT_CONVOLUTIONS", ...) on top of TensorRT's default sources. ArgumentError
// for a source this TensorRT does not have (11.x dropped CUBLAS, CUBLAS_LT and CUDNN).
void apply_tactic_sources(const BuildRequest& request, nvinfer1::IBuilderConfig& config);

// request.layer_precisions ((layer name or "*", "fp16"), ...): ILayer::setPrecision on the parsed network, a "*"
// entry for every layer without its own. ArgumentError for a layer name the network lacks; on TensorRT 11 (no
// per-layer precision) for any entry.
void apply_layer_precisions(const BuildRequest& request, nvinfer1::INetworkDefinition& network);

}  // namespace trtcore::trt
