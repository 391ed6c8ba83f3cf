// The TensorRT objects behind a trt::Engine. Internal to cpp/tensorrt (it includes NvInfer.h): engine.h, which
// the bindings and the apps include, only declares Engine::Handles.
#pragma once

#include <NvInfer.h>

#include <memory>

#include "tensorrt/engine.h"
#include "tensorrt/library.h"
#include "tensorrt/logger.h"

namespace trtcore::trt {

struct Engine::Handles {
    // Declaration order is destruction order reversed: the engine goes first, then the runtime(s), then the logger
    // both were created with (TensorRT requires the runtime to outlive its engines).
    std::shared_ptr<Logger> logger;
    // The full runtime a lean one was loaded from (IRuntime::loadRuntime), kept for as long as the lean one.
    Ptr<nvinfer1::IRuntime> parent_runtime;
    std::shared_ptr<nvinfer1::IRuntime> runtime;
    Ptr<nvinfer1::ICudaEngine> engine;
};

}  // namespace trtcore::trt
