#include "tensorrt/types.h"

#include <NvInferVersion.h>

#include "common/error.h"

namespace trtcore::trt {

DataType from_trt(nvinfer1::DataType type, const std::string& what) {
    using T = nvinfer1::DataType;
    // A switch with `default`: a type added by a newer TensorRT is reported, not a compile error for users.
    switch (type) {
        case T::kFLOAT: return DataType::kFloat32;
        case T::kHALF: return DataType::kFloat16;
        case T::kBF16: return DataType::kBFloat16;
        case T::kINT8: return DataType::kInt8;
        case T::kUINT8: return DataType::kUInt8;
        case T::kINT32: return DataType::kInt32;
        case T::kINT64: return DataType::kInt64;
        case T::kBOOL: return DataType::kBool;
        case T::kFP8: return DataType::kFloat8E4M3;
        case T::kINT4: return DataType::kInt4;
#if NV_TENSORRT_MAJOR > 10 || (NV_TENSORRT_MAJOR == 10 && NV_TENSORRT_MINOR >= 8)
        case T::kFP4: return DataType::kFloat4E2M1;
#endif
#if NV_TENSORRT_MAJOR > 10 || (NV_TENSORRT_MAJOR == 10 && NV_TENSORRT_MINOR >= 12)
        case T::kE8M0: return DataType::kFloat8E8M0;
#endif
        default: break;
    }
    throw DTypeError(what + " has a TensorRT data type trtcore does not know (nvinfer1::DataType " +
                     std::to_string(static_cast<int>(type)) + "); update trtcore");
}

Shape from_trt(const nvinfer1::Dims& dims) {
    Shape shape;
    for (int32_t i = 0; i < dims.nbDims && i < nvinfer1::Dims::MAX_DIMS; ++i) shape.push_back(dims.d[i]);
    return shape;
}

nvinfer1::Dims to_trt(const Shape& shape, const std::string& what) {
    if (shape.size() > static_cast<std::size_t>(nvinfer1::Dims::MAX_DIMS)) {
        throw ShapeError(what + ": shape " + to_string(shape) + " has " + std::to_string(shape.size()) +
                         " dimensions; TensorRT supports at most " + std::to_string(nvinfer1::Dims::MAX_DIMS));
    }
    nvinfer1::Dims dims{};
    dims.nbDims = static_cast<int32_t>(shape.size());
    for (std::size_t i = 0; i < shape.size(); ++i) dims.d[i] = shape[i];
    return dims;
}

}  // namespace trtcore::trt
