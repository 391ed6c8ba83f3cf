#include "tensorrt/context.h"

#include <NvInfer.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "common/error.h"
#include "tensorrt/engine_handles.h"
#include "tensorrt/types.h"

namespace trtcore::trt {

struct Context::Handle {
    explicit Handle(std::shared_ptr<Logger> logger) : recorder(std::move(logger)) {}
    ErrorRecorder recorder;  // declared first: outlives the context it is given to
    Ptr<nvinfer1::IExecutionContext> context;
};

namespace {
// `message` with the errors TensorRT reported for this context (its own ErrorRecorder: other contexts' errors,
// from other threads, never show up here); when it has none, the errors logged for the engine meanwhile (errors
// before the recorder is set, or ones TensorRT logs rather than records).
std::string with_errors(std::string message, ErrorRecorder* recorder, const Engine& engine) {
    std::string errors = recorder != nullptr ? recorder->take_errors() : std::string();
    if (errors.empty()) errors = engine.handles().logger->take_errors();
    return errors.empty() ? message + " (TensorRT gave no reason)" : message + ": " + errors;
}
}  // namespace

Context::Context(std::shared_ptr<Engine> engine, int profile, void* stream)
    : engine_(std::move(engine)), profile_(profile) {
    if (!engine_) throw ArgumentError("Context: engine is null");
    const int profiles = engine_->num_profiles();
    if (profile < 0 || profile >= profiles) {
        throw ArgumentError("optimization profile " + std::to_string(profile) + " does not exist in " +
                            engine_->source() + ": it has " + std::to_string(profiles) + " (0.." +
                            std::to_string(profiles - 1) + ")");
    }
    context_ = std::make_unique<Handle>(engine_->handles().logger);
    context_->context.reset(engine_->handles().engine->createExecutionContext());
    if (!context_->context) {
        throw TensorRTError(with_errors(
            "TensorRT could not create an execution context for " + engine_->source() +
                " (it needs " + std::to_string(engine_->device_memory_size()) + " bytes of device memory)",
            nullptr, *engine_));
    }
    context_->context->setErrorRecorder(&context_->recorder);
    if (profile != 0) {  // a new context starts on profile 0
        auto s = static_cast<cudaStream_t>(stream);
        if (!context_->context->setOptimizationProfileAsync(profile, s)) {
            throw TensorRTError(with_errors("cannot select optimization profile " + std::to_string(profile) +
                                                " of " + engine_->source(), &context_->recorder, *engine_));
        }
        // The switch may queue copies: wait, so that enqueue on any other stream sees the profile in place.
        const cudaError_t err = cudaStreamSynchronize(s);
        if (err != cudaSuccess) {
            throw CudaError(std::string("selecting optimization profile: ") + cudaGetErrorString(err));
        }
    }
}

Context::~Context() = default;

const TensorInfo& Context::find(const std::string& name) const {
    std::string names;
    for (const auto& t : tensors()) {
        if (t.name == name) return t;
        names += (names.empty() ? "" : ", ") + t.name;
    }
    throw ArgumentError("engine " + engine_->source() + " has no tensor named '" + name + "' (it has: " + names +
                        ")");
}

void Context::set_input_shape(const std::string& name, const Shape& shape) {
    const TensorInfo& info = find(name);
    if (info.io != TensorIO::kInput) {
        throw ArgumentError("'" + name + "' is an output of " + engine_->source() + ", not an input");
    }
    if (context_->context->setInputShape(name.c_str(), to_trt(shape, "input '" + name + "'"))) return;
    std::string message = "input '" + name + "' cannot take shape " + to_string(shape) + ": the engine's shape is " +
                          to_string(info.shape);
    if (static_cast<std::size_t>(profile_) < info.profiles.size()) {
        const auto& p = info.profiles[static_cast<std::size_t>(profile_)];
        message += ", optimization profile " + std::to_string(profile_) + " allows min " + to_string(p.min) +
                   " to max " + to_string(p.max);
    }
    throw ShapeError(with_errors(message, &context_->recorder, *engine_));
}

Shape Context::output_shape(const std::string& name) const {
    find(name);
    const nvinfer1::Dims dims = context_->context->getTensorShape(name.c_str());
    const Shape shape = from_trt(dims);
    if (dims.nbDims >= 0 && !is_dynamic(shape)) return shape;
    // Unknown: either an input's shape is not set yet (its dims still hold -1, or TensorRT gives no dims), or
    // the output's size depends on the data (NonZero-like), which needs an output allocator.
    std::string unset;
    for (const auto& t : tensors()) {
        if (t.io != TensorIO::kInput) continue;
        const nvinfer1::Dims in = context_->context->getTensorShape(t.name.c_str());
        if (in.nbDims < 0 || is_dynamic(from_trt(in))) unset += (unset.empty() ? "" : ", ") + t.name;
    }
    std::string message = "the shape of '" + name + "' is not known yet (" +
                          (dims.nbDims < 0 ? std::string("TensorRT gives none") : to_string(shape)) + "): ";
    message += unset.empty() ? "it depends on the input data, which trtcore does not support yet"
                             : "set the shape of input(s) " + unset + " first";
    context_->recorder.take_errors();  // TensorRT's complaint about the unset input says no more than this
    throw ShapeError(message);
}

void Context::set_tensor_address(const std::string& name, void* device_ptr) {
    find(name);
    // TensorRT requires 256-byte aligned I/O addresses (IExecutionContext::setTensorAddress; misaligned ones are
    // rejected or, in some releases, read wrongly). Buffers from cudaMalloc always are; a user's CUDA array that is
    // a slice or a view (DLPack byte_offset, an offset __cuda_array_interface__ pointer) may not be.
    constexpr std::uintptr_t kAlignment = 256;
    const auto address = reinterpret_cast<std::uintptr_t>(device_ptr);
    if (address % kAlignment != 0) {
        throw ArgumentError("tensor '" + name + "' of " + engine_->source() + ": the CUDA array's address is " +
                            std::to_string(address % kAlignment) + " bytes past a 256-byte boundary, and TensorRT "
                            "needs I/O addresses aligned to 256 bytes (a slice or view of another array, e.g. a "
                            "DLPack byte_offset); pass a contiguous copy (torch .clone(), cupy .copy()) or a host "
                            "array");
    }
    if (!context_->context->setTensorAddress(name.c_str(), device_ptr)) {
        throw TensorRTError(with_errors("TensorRT rejected the address of tensor '" + name + "'",
                                        &context_->recorder, *engine_));
    }
}

void Context::enqueue(void* stream) {
    if (!context_->context->enqueueV3(static_cast<cudaStream_t>(stream))) {
        throw TensorRTError(with_errors("TensorRT could not run " + engine_->source() + " (enqueueV3 failed)",
                                        &context_->recorder, *engine_));
    }
}

void Context::set_profiler(std::shared_ptr<LayerProfiler> profiler) {
    context_->context->setProfiler(profiler ? static_cast<nvinfer1::IProfiler*>(profiler->native()) : nullptr);
    profiler_ = std::move(profiler);
}

}  // namespace trtcore::trt
