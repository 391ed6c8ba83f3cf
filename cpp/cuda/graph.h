// CUDA-graph capture and replay: everything one inference enqueues (copies, the backend's kernels) is recorded
// once and replayed with one cudaGraphLaunch, which costs the host one call instead of one per kernel. A graph
// bakes in every address and shape, so its owner re-captures when either changes (see Executor).
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>

namespace trtcore::cuda {

class CudaGraph {
public:
    CudaGraph() = default;
    // Runs `work` with `stream` in capture mode (thread-local: other threads' CUDA calls are unaffected), then
    // instantiates the graph. `work` must only enqueue on `stream`. If `work` throws or the capture is
    // invalidated, capture is ended (the stream is usable again) and the error propagates.
    static CudaGraph capture(cudaStream_t stream, const std::function<void()>& work, const std::string& what);

    void launch(cudaStream_t stream, const std::string& what) const;
    bool valid() const { return exec_ != nullptr; }
    void reset() noexcept;

private:
    struct GraphDeleter {
        void operator()(cudaGraph_t graph) const noexcept;
    };
    struct ExecDeleter {
        void operator()(cudaGraphExec_t exec) const noexcept;
    };
    std::unique_ptr<std::remove_pointer_t<cudaGraph_t>, GraphDeleter> graph_;
    std::unique_ptr<std::remove_pointer_t<cudaGraphExec_t>, ExecDeleter> exec_;
};

}  // namespace trtcore::cuda
