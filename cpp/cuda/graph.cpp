#include "cuda/graph.h"

#include "cuda/check.h"

namespace trtcore::cuda {

void CudaGraph::GraphDeleter::operator()(cudaGraph_t graph) const noexcept {
    check_noexcept(cudaGraphDestroy(graph));
}

void CudaGraph::ExecDeleter::operator()(cudaGraphExec_t exec) const noexcept {
    check_noexcept(cudaGraphExecDestroy(exec));
}

CudaGraph CudaGraph::capture(cudaStream_t stream, const std::function<void()>& work, const std::string& what) {
    check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture (" + what + ")");
    cudaGraph_t raw = nullptr;
    try {
        work();
    } catch (...) {
        // Leave the stream out of capture mode whatever happened; the partial graph is discarded.
        if (cudaStreamEndCapture(stream, &raw) == cudaSuccess && raw != nullptr) cudaGraphDestroy(raw);
        cudaGetLastError();
        throw;
    }
    check(cudaStreamEndCapture(stream, &raw), "cudaStreamEndCapture (" + what + ")");
    CudaGraph g;
    g.graph_.reset(raw);
    cudaGraphExec_t exec = nullptr;
    check(cudaGraphInstantiate(&exec, raw, 0), "cudaGraphInstantiate (" + what + ")");
    g.exec_.reset(exec);
    return g;
}

void CudaGraph::launch(cudaStream_t stream, const std::string& what) const {
    check(cudaGraphLaunch(exec_.get(), stream), "cudaGraphLaunch (" + what + ")");
}

void CudaGraph::reset() noexcept {
    exec_.reset();
    graph_.reset();
}

}  // namespace trtcore::cuda
