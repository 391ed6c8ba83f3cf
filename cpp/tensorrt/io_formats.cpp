#include "tensorrt/io_formats.h"

#include <NvInfer.h>
#include <NvInferVersion.h>

#include <string>
#include <utility>

#include "common/error.h"

namespace trtcore::trt {

#if NV_TENSORRT_MAJOR >= 11
void apply_io_types(const BuildRequest& request, nvinfer1::INetworkDefinition& /*network*/) {
    // Strong typing only: the I/O types are the model's (the Python build plan converts the model instead).
    if (request.io_types.empty()) return;
    const auto& [name, type] = request.io_types.front();
    throw ArgumentError("I/O format " + name + ":" + type + ": TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                        " networks are strongly typed and keep the model's input/output types");
}
#else
namespace {
nvinfer1::DataType io_type(const std::string& name, const std::string& tensor) {
    using T = nvinfer1::DataType;
    static const std::pair<const char*, T> types[] = {{"fp32", T::kFLOAT}, {"fp16", T::kHALF}, {"bf16", T::kBF16},
                                                      {"int32", T::kINT32}, {"int64", T::kINT64}, {"int8", T::kINT8},
                                                      {"uint8", T::kUINT8}, {"bool", T::kBOOL}};
    for (const auto& [n, t] : types) {
        if (name == n) return t;
    }
    throw ArgumentError("I/O format of '" + tensor + "': unknown type '" + name +
                        "' (fp32, fp16, bf16, int32, int64, int8, uint8, bool)");
}

nvinfer1::ITensor* find_io(nvinfer1::INetworkDefinition& network, const std::string& name) {
    for (int32_t i = 0; i < network.getNbInputs(); ++i) {
        if (name == network.getInput(i)->getName()) return network.getInput(i);
    }
    for (int32_t i = 0; i < network.getNbOutputs(); ++i) {
        if (name == network.getOutput(i)->getName()) return network.getOutput(i);
    }
    return nullptr;
}
}  // namespace

void apply_io_types(const BuildRequest& request, nvinfer1::INetworkDefinition& network) {
    const auto linear = 1U << static_cast<uint32_t>(nvinfer1::TensorFormat::kLINEAR);
    for (const auto& [name, type] : request.io_types) {
        nvinfer1::ITensor* tensor = find_io(network, name);
        if (tensor == nullptr) {
            throw ArgumentError("I/O format for '" + name + "': the parsed network has no input or output of that "
                                "name");
        }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // 10.12+: superseded by strong typing (gone in 11)
        tensor->setType(io_type(type, name));
#pragma GCC diagnostic pop
        tensor->setAllowedFormats(linear);
    }
}
#endif

}  // namespace trtcore::trt
