// What runs one inference on a CUDA stream, seen from the runtime machinery (buffers, staging, sequencing, CUDA
// graphs). TensorRT's execution context implements it in cpp/tensorrt/; tests implement it with a plain CUDA copy
// or kernel, so everything around enqueue is tested without TensorRT.
#pragma once

#include <string>
#include <vector>

#include "common/tensor.h"

namespace trtcore {

class ExecutionBackend {
public:
    virtual ~ExecutionBackend() = default;

    // All I/O tensors, inputs first, in a fixed order.
    virtual const std::vector<TensorInfo>& tensors() const = 0;
    // Throws ShapeError naming the tensor when the shape is outside what the backend accepts (e.g. the profile).
    virtual void set_input_shape(const std::string& name, const Shape& shape) = 0;
    // The output's shape given the input shapes set so far (all inputs must be set).
    virtual Shape output_shape(const std::string& name) const = 0;
    virtual void set_tensor_address(const std::string& name, void* device_ptr) = 0;
    // Queues the work on `stream` (a cudaStream_t). Throws on failure; the caller owns synchronisation.
    virtual void enqueue(void* stream) = 0;
};

}  // namespace trtcore
