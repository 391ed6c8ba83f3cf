// Refitting a TensorRT engine's weights from its ONNX model, as trtexec's --refitFromOnnx does: IRefitter over
// the deserialized engine, nvonnxparser::IParserRefitter::refitFromFile to set every weight the model has,
// refitCudaEngine, then the engine serialized again with its weights. For engines built refittable (--refit) or
// weight-stripped (--stripWeights, whose plan lacks the weights until they are refitted).
//
// A public header of the TensorRT layer: it compiles without TensorRT's headers.
#pragma once

#include <cstddef>
#include <string>

#include "common/log.h"
#include "tensorrt/engine.h"

namespace trtcore::trt {

// Loads the plan `data` (named `source` in messages) with `options`, refits its weights from the ONNX file
// `onnx_path` and returns the refitted engine's plan, weights included (SerializationFlag::kEXCLUDE_WEIGHTS
// cleared) and, where the headers have SerializationFlag::kINCLUDE_REFIT, still as refittable as it was.
// Throws FileError (`onnx_path` missing or a folder), ArgumentError (the engine is not refittable: built without
// --refit or --stripWeights), TensorRTError (the parser refitter rejected the model, the model lacks weights the
// engine needs, named; refitting or serializing failed; each with what TensorRT reported), and what
// Engine::from_bytes throws.
std::string refit_engine(const void* data, std::size_t size, const std::string& source, const std::string& onnx_path,
                         LogSink sink, const LoadOptions& options);

}  // namespace trtcore::trt
