// One TensorRT execution context (IExecutionContext) as trtcore's ExecutionBackend: the runtime layer (buffers,
// staging, CUDA graphs) drives it without knowing TensorRT. Use one Context per stream / thread: TensorRT contexts
// are not thread-safe, engines are. A public header of the TensorRT layer: it compiles without TensorRT's headers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "tensorrt/engine.h"

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

private:
    const TensorInfo& find(const std::string& name) const;

    struct Handle;  // the IExecutionContext (context.cpp)

    std::shared_ptr<Engine> engine_;  // declared first: outlives context_
    std::unique_ptr<Handle> context_;
    int profile_;
};

}  // namespace trtcore::trt
