// One TensorRT execution context (IExecutionContext) as trtcore's ExecutionBackend: the runtime layer (buffers,
// staging, CUDA graphs) drives it without knowing TensorRT. Use one Context per stream / thread: TensorRT contexts
// are not thread-safe, engines are. A public header of the TensorRT layer: it compiles without TensorRT's headers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "tensorrt/engine.h"
#include "tensorrt/profiler.h"

namespace trtcore::trt {

class Context : public ExecutionBackend {
public:
    // `profile` selects the optimization profile (ArgumentError when out of range). Switching to a profile other
    // than 0 queues copies on `stream` (a cudaStream_t; nullptr = the default stream) and waits for them.
    explicit Context(std::shared_ptr<Engine> engine, int profile = 0, void* stream = nullptr);
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context() override;

    const std::vector<TensorInfo>& tensors() const override { return engine_->tensors(); }
    // ShapeError naming the tensor, the shape and the profile's min/max when TensorRT rejects the shape.
    void set_input_shape(const std::string& name, const Shape& shape) override;
    // ShapeError when a dimension is still unknown (an input's shape not set, or a data-dependent output).
    Shape output_shape(const std::string& name) const override;
    // ArgumentError when `device_ptr` is not 256-byte aligned (TensorRT's requirement for I/O addresses).
    void set_tensor_address(const std::string& name, void* device_ptr) override;
    // enqueueV3 on `stream` (a cudaStream_t). TensorRTError with TensorRT's logged errors on failure.
    void enqueue(void* stream) override;

    int profile() const { return profile_; }
    const std::shared_ptr<Engine>& engine() const { return engine_; }
    // Per-layer timing of every later enqueue (IExecutionContext::setProfiler); nullptr detaches. The context
    // keeps the profiler alive. Not for CUDA-graph replays: TensorRT profiles enqueueV3 calls.
    void set_profiler(std::shared_ptr<LayerProfiler> profiler);
    const std::shared_ptr<LayerProfiler>& profiler() const { return profiler_; }

private:
    const TensorInfo& find(const std::string& name) const;

    struct Handle;  // the IExecutionContext (context.cpp)

    std::shared_ptr<Engine> engine_;  // declared first: outlives context_
    std::shared_ptr<LayerProfiler> profiler_;  // declared before context_: outlives the context that calls it
    std::unique_ptr<Handle> context_;
    int profile_;
};

}  // namespace trtcore::trt
