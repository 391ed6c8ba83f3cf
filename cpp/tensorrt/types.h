// Conversions between TensorRT's types and trtcore's (common/tensor.h). Enums are mapped by NAME: TensorRT 11
// renumbered them, so a value cast would silently mean something else on the other major.
#pragma once

#include <NvInfer.h>

#include <string>

#include "common/tensor.h"

namespace trtcore::trt {

// Throws DTypeError for a TensorRT type trtcore has no name for (`what` names the tensor).
DataType from_trt(nvinfer1::DataType type, const std::string& what);
// -1 stays -1 (dynamic); nbDims == -1 (TensorRT's "invalid") gives an empty shape.
Shape from_trt(const nvinfer1::Dims& dims);
// Throws ShapeError naming `what` when the shape has more dimensions than TensorRT supports.
nvinfer1::Dims to_trt(const Shape& shape, const std::string& what);

}  // namespace trtcore::trt
