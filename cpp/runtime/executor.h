// The copy-in -> enqueue -> copy-out sequence around one ExecutionBackend (one TensorRT execution context, or a
// test backend) on one CUDA stream: validate the feed, set shapes, plan, grow buffers, stage host inputs through
// pinned memory (or bind a user's device pointers directly), set addresses, enqueue (or replay a CUDA graph),
// copy outputs back and synchronise. Compiled only with CUDA.
//
// Buffers: one device buffer per tensor and one pinned staging buffer per host-side tensor, allocated on first
// use and reused while shapes fit (grown when not). Staging buffers are shared_ptr-owned: an array viewing one
// (input_staging(), outputs returned without copy) keeps its memory alive even after the executor grows or dies;
// what it sees is overwritten by the next run.
//
// Large host copies (cpp/runtime/staging.h): a pageable input is copied into staging in chunks by CPU threads while
// the copy engine already moves the chunks before it; an output the executor copies out (owned copies, or a
// caller's out= array) comes back chunk by chunk, each copied out as soon as its D2H copy has landed. CUDA-graph
// runs stage before the replay and copy out after it (with the threads, without the overlap). Owned output copies
// are recycled: up to two per output are kept and reused once the caller has dropped them (already paged in).
//
// Threading: run() is serialised by a mutex, so sharing one Executor between threads is safe but not parallel;
// for parallelism use one Executor (over its own backend/context) per thread. Callers release the GIL around run().
#pragma once

#ifdef TRTCORE_WITH_CUDA

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/fields.h"
#include "cuda/buffer.h"
#include "cuda/graph.h"
#include "cuda/stream.h"
#include "runtime/backend.h"
#include "runtime/plan.h"
#include "runtime/staging.h"

namespace trtcore {

// Plain (pageable) host memory owned by one returned output: pinning is slow to allocate and is only worth it for
// buffers that are reused, like the staging buffers.
class HostBuffer {
public:
    explicit HostBuffer(std::size_t bytes);
    void* data() const { return data_.get(); }
    std::size_t size() const { return size_; }

private:
    struct Free {
        void operator()(void* p) const noexcept;
    };
    std::unique_ptr<void, Free> data_;
    std::size_t size_ = 0;
};

struct OutputArray {
    std::string name;
    DataType dtype = DataType::kFloat32;
    Shape shape;
    std::size_t bytes = 0;
    Location location = Location::kHost;
    int device_index = 0;                        // the CUDA device of `device`
    std::shared_ptr<cuda::PinnedBuffer> host;    // location == kHost: the pinned staging buffer holding it
    std::shared_ptr<HostBuffer> owned;           // location == kHost and copy_host_outputs: a private copy
    std::shared_ptr<cuda::DeviceBuffer> device;  // location == kDevice
    bool in_target = false;                      // written into the caller's array (RunOptions::targets)
};


struct RunOptions {
    Location outputs = Location::kHost;
    // Device outputs only: give the device buffers to the caller (owned, zero-copy); the next run allocates anew.
    bool detach_device_outputs = false;
    // Host outputs only (with synchronize): copy them out of the staging buffers while the run still holds the
    // executor's lock, so another thread's run cannot overwrite them first.
    bool copy_host_outputs = false;
    // false: return once everything is queued (outputs are ready when the stream reaches done_event()).
    bool synchronize = true;
    // Run on this stream instead of the executor's own (an async call on a user's stream).
    std::optional<cudaStream_t> stream;
    // Synchronous runs with host outputs only: write these outputs into the caller's arrays.
    std::vector<NamedArray> targets;  // (output name, a C-contiguous writable host array of its dtype and shape)
};

struct ExecutorStats {
    long runs = 0;
    long graph_captures = 0;   // how often a CUDA graph was recorded
    long graph_launches = 0;   // how often one was replayed
    long allocations = 0;      // device and pinned buffers allocated (growth), for checking reuse
    long long host_copy_bytes = 0;  // bytes copied from users' host arrays into staging (0 when fed in place)
    double last_run_seconds = 0.0;  // host time of the last run() (including the final sync, if any)
    // GPU time of the last run's stages, from CUDA events (set_stage_timing); -1 when not measured (timing off,
    // asynchronous run, CUDA-graph replay). H2D/D2H are 0 when every input/output stayed on the device.
    double last_h2d_seconds = -1.0;
    double last_compute_seconds = -1.0;
    double last_d2h_seconds = -1.0;
    // cuda_graph executors: set when a capture failed while the same run worked without a graph; from then on
    // this executor runs plainly. graph_error is the capture's error message.
    bool graph_disabled = false;
    std::string graph_error;

    // Every counter by name (Executor.stats): stage times not measured and graph_error without an error are None.
    Fields fields() const;
    // The last run's stage times {"h2d", "compute", "d2h"} (Executor.last_timings); empty when not measured.
    Fields stage_seconds() const;
};

class Executor {
public:
    // stream: a user's stream to run on (borrowed, never destroyed); nullopt: the executor creates its own on first
    // use. cuda_graph: capture the sequence as a CUDA graph and replay it while shapes and addresses stay the same
    // (if capturing fails where a plain run works, graphs are turned off: stats().graph_disabled).
    // Makes no CUDA call, so it works (and validates feeds) on machines without a GPU.
    Executor(std::shared_ptr<ExecutionBackend> backend, std::optional<cudaStream_t> stream, bool cuda_graph);
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    const std::vector<TensorInfo>& tensors() const { return backend_->tensors(); }
    const std::shared_ptr<ExecutionBackend>& backend() const { return backend_; }
    bool cuda_graph() const { return cuda_graph_; }

    // Validation and planning only (sets the backend's input shapes); no CUDA.
    Plan plan(const std::vector<NamedArray>& inputs);
    std::vector<OutputArray> run(const std::vector<NamedArray>& inputs, const RunOptions& options);
    // The pinned staging buffer of input `name`, grown to hold `shape`: writing into it and feeding a view of it
    // skips the host-side copy. Validates name and shape.
    std::shared_ptr<cuda::PinnedBuffer> input_staging(const std::string& name, const Shape& shape);
    // The executor's stream (created on first use) and the device it runs on (current when first used).
    cudaStream_t stream();
    int device();
    // Waits for everything this executor queued (on whichever stream).
    void synchronize();
    // Recorded at the end of every run; shared so device outputs of an async run can be waited on later.
    std::shared_ptr<cuda::Event> done_event();
    ExecutorStats stats() const;
    // Once, after the run that turned CUDA graphs off: the warning to give the user; nullopt otherwise.
    std::optional<std::string> take_graph_warning();
    // Record CUDA events around the H2D copies, the enqueue and the D2H copies of every synchronous, non-graph run
    // (trtexec's "H2D Latency", "GPU Compute Time", "D2H Latency"). Off by default: it costs a few microseconds.
    void set_stage_timing(bool on);
    bool stage_timing() const;
    // How large host copies are chunked and how many threads copy them (staging.h). Validated on use.
    void set_staging(const StagingPolicy& policy);
    StagingPolicy staging() const;
    bool graph_disabled() const;

private:
    struct Slot {
        std::shared_ptr<cuda::DeviceBuffer> device;
        std::shared_ptr<cuda::PinnedBuffer> host;
    };
    // One run's working state, handed from step to step of run().
    struct RunState {
        Plan plan;
        cudaStream_t stream = nullptr;
        std::vector<const ArrayView*> fed;  // per tensor: the array fed (inputs), nullptr (outputs)
        std::vector<void*> device_ptrs;      // per tensor: the device address bound
        bool to_host = true;                 // outputs are copied to the host staging buffers
        bool use_graph = false;
        // Per tensor: the host input is copied into staging during the enqueue, chunk by chunk, overlapped with
        // its H2D copy (plain runs only: a graph replays copies it cannot wait for).
        std::vector<bool> deferred;
        // Per output: where the executor copies it from staging (a caller's array, an owned buffer), or nullptr.
        std::vector<void*> host_dst;
        std::vector<std::shared_ptr<HostBuffer>> owned;  // per output: the owned copy, when there is one
        // Per output: copied back chunk by chunk, an event after each D2H chunk (plain synchronous runs).
        std::vector<bool> overlapped;
    };
    void ensure_cuda();
    std::shared_ptr<cuda::PinnedBuffer> grow_staging(std::size_t index, std::size_t bytes);
    // The steps of run(), in order. plan_run validates and plans without CUDA.
    RunState plan_run(const std::vector<NamedArray>& inputs, const RunOptions& options);
    // Tensor i: bind a CUDA array in place, or grow its device (and staging) buffer and stage a host input.
    // `staging_free`: the staging buffers are no longer read by an earlier run (waited for once, when needed).
    void bind_tensor(RunState& r, std::size_t i, bool& staging_free);
    void bind_cuda_array(RunState& r, std::size_t i);
    void stage_input(RunState& r, std::size_t i, bool& staging_free);
    void bind_host_output(RunState& r, std::size_t i, const RunOptions& options);
    // An owned output buffer of `bytes` for tensor i: a recycled one the caller has dropped, or a new one.
    std::shared_ptr<HostBuffer> owned_output(std::size_t i, std::size_t bytes);
    // memcpy of `bytes` split into chunks on the copy threads (no overlap with anything), for graph runs.
    void parallel_copy(void* dst, const void* src, std::size_t bytes);
    // The chunked, overlapped copies: H2D of one deferred input; D2H of the overlapped outputs and their copy out.
    void enqueue_input_chunks(const RunState& r, std::size_t i);
    void copy_out_chunks(const RunState& r);
    cuda::Event& chunk_event(std::size_t k);
    // Queues the copies and the backend's work, plainly or through the CUDA graph (captured, replayed, or turned
    // off when capture fails); `timed` records the stage events.
    void enqueue(const RunState& r, bool use_graph, bool timed);
    void enqueue_with_graph(const RunState& r);
    std::vector<std::uintptr_t> graph_key(const RunState& r) const;
    // Records the run's events, synchronises when asked, reads the stage timing and hands out the outputs.
    std::vector<OutputArray> finish_run(const RunState& r, const RunOptions& options, bool timed);
    // stages: nullptr, or 4 timing events recorded before H2D, after H2D, after the enqueue and after D2H.
    void enqueue_sequence(const RunState& r, cuda::Event* stages);

    std::shared_ptr<ExecutionBackend> backend_;
    bool cuda_graph_ = false;
    std::optional<cudaStream_t> user_stream_;
    int device_ = 0;
    mutable std::mutex mutex_;
    // Declared first so it is destroyed last: everything below may still have work queued on it.
    cuda::Stream stream_;
    bool cuda_ready_ = false;
    std::shared_ptr<cuda::Event> done_;  // end of the last run
    cuda::Event producer_;               // scratch: a CUDA-array producer's stream position
    cudaStream_t last_stream_ = nullptr;
    bool has_run_ = false;
    bool staging_idle_ = false;  // the last run was synchronous: nothing still reads the staging buffers
    std::vector<Slot> slots_;  // per tensor, the backend's order
    cuda::CudaGraph graph_;
    std::vector<std::uintptr_t> graph_key_;  // shapes and addresses the graph was (or will be) captured with
    ExecutorStats stats_;
    bool graph_warned_ = false;
    bool stage_timing_ = false;
    cuda::Event stages_[4];  // timing events, created when stage timing is first used
    StagingPolicy staging_;
    CopyPool copy_pool_;
    std::vector<cuda::Event> chunk_events_;  // one per D2H chunk of the overlapped copy-out, grown as needed
    std::size_t chunk_events_used_ = 0;      // recorded by the current run
    std::vector<std::vector<std::shared_ptr<HostBuffer>>> recycled_;  // per tensor: owned copies handed out
};

}  // namespace trtcore

#endif  // TRTCORE_WITH_CUDA
