// An ExecutionBackend without TensorRT, for tests and benchmarks: each output is a device-to-device copy of one
// input (cudaMemcpyAsync; an output larger than its input is filled with repeats of it), so the machinery around enqueue (planning, buffers, staging, sequencing, CUDA graphs,
// threads) is exercised exactly as with a TensorRT context. Shape handling is plain C++ and works without a GPU.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "runtime/backend.h"

namespace trtcore::testing {

struct IdentityOutput {
    TensorInfo info;     // io must be kOutput; -1 dims take the source input's extent
    std::string source;  // the input it copies
};

class IdentityBackend : public ExecutionBackend {
public:
    // inputs: declared inputs (profiles[0], when given, bounds the accepted shapes like a TensorRT profile).
    // launches: the copy of each output is split into this many cudaMemcpyAsync calls, standing in for a network
    // of that many kernels (host launch cost is what CUDA graphs remove). fail_enqueue: enqueue throws after
    // queueing its copies, to test error paths.
    IdentityBackend(std::vector<TensorInfo> inputs, std::vector<IdentityOutput> outputs, int launches = 1,
                    bool fail_enqueue = false);

    const std::vector<TensorInfo>& tensors() const override { return tensors_; }
    void set_input_shape(const std::string& name, const Shape& shape) override;
    Shape output_shape(const std::string& name) const override;
    void set_tensor_address(const std::string& name, void* device_ptr) override;
    void enqueue(void* stream) override;

    long enqueue_count() const { return enqueues_.load(); }
    void set_fail_enqueue(bool fail) { fail_enqueue_ = fail; }
    // capture_unsafe: enqueue also synchronises the stream, which is fine in a plain run and fails (invalidating
    // the capture) inside CUDA graph capture, like a network with an uncapturable step.
    void set_capture_unsafe(bool on) { capture_unsafe_ = on; }
    bool capture_unsafe() const { return capture_unsafe_.load(); }

private:
    const TensorInfo& input(const std::string& name) const;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::string> sources_;  // output -> input
    std::map<std::string, Shape> shapes_;         // inputs' current shapes
    std::map<std::string, void*> addresses_;
    int launches_ = 1;
    std::atomic<bool> fail_enqueue_{false};
    std::atomic<bool> capture_unsafe_{false};
    std::atomic<long> enqueues_{0};
};

}  // namespace trtcore::testing
