#include "runtime/testing_backend.h"

#include <algorithm>

#include "common/error.h"
#include "runtime/plan.h"
#ifdef TRTCORE_WITH_CUDA
#include "cuda/buffer.h"
#include "cuda/check.h"
#endif

namespace trtcore::testing {

IdentityBackend::IdentityBackend(std::vector<TensorInfo> inputs, std::vector<IdentityOutput> outputs, int launches,
                                 bool fail_enqueue)
    : launches_(launches), fail_enqueue_(fail_enqueue) {
    if (launches < 1) throw ArgumentError("IdentityBackend: launches must be >= 1, got " + std::to_string(launches));
    for (auto& in : inputs) {
        in.io = TensorIO::kInput;
        for (const auto& p : in.profiles) {
            if (p.min.size() != in.shape.size() || p.max.size() != in.shape.size()) {
                throw ArgumentError("IdentityBackend: the profile of '" + in.name + "' must have rank " +
                                    std::to_string(in.shape.size()));
            }
        }
        tensors_.push_back(std::move(in));
    }
    for (auto& out : outputs) {
        const TensorInfo& src = input(out.source);
        if (src.dtype != out.info.dtype || src.shape.size() != out.info.shape.size()) {
            throw ArgumentError("IdentityBackend: output '" + out.info.name + "' must have the dtype and rank of '" +
                                out.source + "'");
        }
        out.info.io = TensorIO::kOutput;
        sources_[out.info.name] = out.source;
        tensors_.push_back(std::move(out.info));
    }
}

const TensorInfo& IdentityBackend::input(const std::string& name) const {
    const auto& t = find_tensor(tensors_, name);
    if (t.io != TensorIO::kInput) throw ArgumentError("IdentityBackend: '" + name + "' is not an input");
    return t;
}

void IdentityBackend::set_input_shape(const std::string& name, const Shape& shape) {
    const auto& info = input(name);
    check_input_shape(info, shape);
    if (!info.profiles.empty()) {
        const auto& p = info.profiles.front();
        for (std::size_t d = 0; d < shape.size(); ++d) {
            if (shape[d] < p.min[d] || shape[d] > p.max[d]) {
                throw ShapeError("input '" + name + "': shape " + to_string(shape) + " is outside the profile (min " +
                                 to_string(p.min) + ", max " + to_string(p.max) + ")");
            }
        }
    }
    shapes_[name] = shape;
}

Shape IdentityBackend::output_shape(const std::string& name) const {
    const auto& info = find_tensor(tensors_, name);
    if (info.io != TensorIO::kOutput) throw ArgumentError("IdentityBackend: '" + name + "' is not an output");
    const auto& source = sources_.at(name);
    const auto it = shapes_.find(source);
    if (it == shapes_.end()) {
        throw ArgumentError("output '" + name + "': input '" + source + "' has no shape set yet");
    }
    Shape shape = info.shape;
    for (std::size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] < 0) shape[d] = it->second[d];
    }
    return shape;
}

void IdentityBackend::set_tensor_address(const std::string& name, void* device_ptr) {
    find_tensor(tensors_, name);
    addresses_[name] = device_ptr;
}

void IdentityBackend::enqueue(void* stream) {
    ++enqueues_;
    for (const auto& [out, source] : sources_) {
        const auto dst = addresses_.find(out);
        const auto src = addresses_.find(source);
        if (dst == addresses_.end() || src == addresses_.end()) {
            throw ArgumentError("IdentityBackend: no address set for '" + out + "' or '" + source + "'");
        }
        const auto& info = find_tensor(tensors_, out);
        const std::size_t out_bytes = byte_size(output_shape(out), info.dtype, out);
        const std::size_t bytes = std::min(out_bytes, byte_size(shapes_.at(source), info.dtype, source));
#ifdef TRTCORE_WITH_CUDA
        // Split into `launches_` copies, each a separate launch on the stream, like a multi-kernel network.
        const std::size_t chunk = (bytes + launches_ - 1) / launches_;
        const std::string what = "IdentityBackend '" + source + "' -> '" + out + "'";
        for (std::size_t offset = 0; offset < bytes; offset += chunk) {
            cuda::copy_async(static_cast<char*>(dst->second) + offset, static_cast<const char*>(src->second) + offset,
                             std::min(chunk, bytes - offset), cudaMemcpyDeviceToDevice,
                             static_cast<cudaStream_t>(stream), what);
        }
        // An output larger than its source is filled with repeats of it (21 "class" planes from 3 image planes).
        for (std::size_t offset = bytes; bytes > 0 && offset < out_bytes; offset += bytes) {
            cuda::copy_async(static_cast<char*>(dst->second) + offset, src->second, std::min(bytes, out_bytes - offset),
                             cudaMemcpyDeviceToDevice, static_cast<cudaStream_t>(stream), what + " (repeat)");
        }
        if (capture_unsafe_) {
            cuda::check(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)), what + " (capture_unsafe)");
        }
#else
        (void)stream;
        (void)bytes;
        (void)out_bytes;
        throw CudaError("IdentityBackend: trtcore was built without CUDA");
#endif
    }
    if (fail_enqueue_) throw Error("IdentityBackend: enqueue failed on purpose (fail_enqueue=True)");
}

}  // namespace trtcore::testing
