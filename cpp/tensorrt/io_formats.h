// trtexec's --inputIOFormats / --outputIOFormats: the type of the network's inputs and outputs, in the linear
// (chw) layout. Applied to the parsed network before the build. Internal to the TensorRT layer.
#pragma once

#include "tensorrt/build_request.h"

namespace nvinfer1 {
class INetworkDefinition;
}

namespace trtcore::trt {

// Sets each request.io_types entry (tensor name, trtexec type "fp16"...) on the network's input or output of that
// name: ITensor::setType and the linear format. ArgumentError naming the tensor for an unknown name or type.
void apply_io_types(const BuildRequest& request, nvinfer1::INetworkDefinition& network);

}  // namespace trtcore::trt
