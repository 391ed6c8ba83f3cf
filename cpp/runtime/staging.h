// Host-side staging of large tensors between users' (pageable) arrays and the executor's pinned buffers, overlapped
// with the DMA: the copy is cut into chunks (plan_chunks, a pure function), CPU threads copy chunk k while the copy
// engine moves chunk k-1 (inputs: memcpy into pinned, then cudaMemcpyAsync; outputs: cudaMemcpyAsync into pinned,
// an event per chunk, then memcpy out). Without the overlap a pageable round trip costs the bare pinned copies plus
// two host memcpys in series; with it, about the slower of the two streams of bytes plus one chunk.
//
// CopyPool holds the worker threads (created on first use, one pool per Executor, so executors on different threads
// do not wait for each other). Only plain memcpy runs on the workers: every CUDA call stays on the caller's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/plan.h"

namespace trtcore {

// How large copies are cut and spread. Tensors smaller than min_chunked_bytes are copied in one piece on the
// calling thread, as before (tiny tensors must not pay for waking threads).
struct StagingPolicy {
    std::size_t chunk_bytes = std::size_t{1} << 20;        // target chunk size
    std::size_t min_chunked_bytes = std::size_t{1} << 20;  // smaller copies: one memcpy, no threads
    int threads = 0;                                       // copy threads; 0: copy_threads()'s default
    // Non-temporal (streaming) stores for chunk copies: a large copy's destination is not read back soon, and
    // streaming stores skip the read-for-ownership of every destination line (a third of the memory traffic).
    bool streaming = true;
};

struct CopyChunk {
    std::size_t offset = 0;
    std::size_t bytes = 0;
};

// Chunk boundaries (multiples of 4096 bytes, except the end) covering [0, bytes) in order, none larger than
// max(chunk_bytes rounded up to 4096, 4096) and each but the last the same size. 0 bytes: no chunk; bytes below
// policy.min_chunked_bytes (or chunk_bytes 0): one chunk. ArgumentError for chunk sizes above 1 GiB.
std::vector<CopyChunk> plan_chunks(std::size_t bytes, const StagingPolicy& policy);

// The pieces the copy threads take of one chunk (of a plan_chunks plan), in order, offsets absolute: about
// chunk_bytes / copy_threads each (page multiples, at least 64 KiB), so that all threads work on the same chunk at
// once and it is ready (for its DMA, or copied out after it) after a fraction of one thread's time for it.
std::vector<CopyChunk> split_for_threads(const CopyChunk& chunk, const StagingPolicy& policy);

// How many chunks plan_chunks would make, without making them (the tiny-tensor path allocates nothing).
std::size_t chunk_count(std::size_t bytes, const StagingPolicy& policy);

// The copy threads a policy asks for: policy.threads if >= 1, else min(num_threads() (TRTCORE_NUM_THREADS /
// set_num_threads / the cores), 8) — past ~8 threads a memcpy is bound by memory bandwidth, not by threads.
int copy_threads(const StagingPolicy& policy);

// Output targets: a caller's host arrays that outputs are written into (infer(..., out={name: array})): no
// allocation, no page faults. Per tensor of `plan`, the target's address (nullptr: none). ArgumentError for an array
// that is not C-contiguous and writeable, or a name that is no output (naming the outputs), DTypeError / ShapeError
// when the array's dtype or shape is not the output's for this run. No CUDA.
std::vector<void*> check_output_targets(const Plan& plan, const std::vector<NamedArray>& targets);

// memcpy with non-temporal stores for the 16-byte-aligned middle (x86-64; elsewhere plain memcpy), then a store
// fence, so the bytes are visible to other threads and to the copy engine once it returns.
void streaming_copy(void* dst, const void* src, std::size_t bytes);

class CopyPool;
// One large host copy spread over the pool's threads (in chunks and per-thread pieces as the policy cuts them);
// copies below policy.min_chunked_bytes are one memcpy on the calling thread.
void parallel_copy(CopyPool& pool, const StagingPolicy& policy, void* dst, const void* src, std::size_t bytes);

// Worker threads that run batches of memcpy chunks. One batch at a time (the executor's lock serialises runs).
class CopyPool {
public:
    struct Task {
        void* dst = nullptr;
        const void* src = nullptr;
        std::size_t bytes = 0;
    };

    CopyPool() = default;
    explicit CopyPool(bool streaming) : streaming_(streaming) {}
    void set_streaming(bool on) { streaming_ = on; }
    ~CopyPool();
    CopyPool(const CopyPool&) = delete;
    CopyPool& operator=(const CopyPool&) = delete;

    // One batch of copies. Workers take tasks in index order; a gated batch's task k waits for open(k) first (the
    // chunk's bytes are not there yet: its D2H copy is still running). The destructor waits for every task that
    // was started and skips the others (an exception in the caller abandons the batch safely).
    class Batch {
    public:
        ~Batch();
        Batch(Batch&&) noexcept = default;
        Batch& operator=(Batch&&) = delete;
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
        void open(std::size_t k);   // gated batches: task k may run
        void wait(std::size_t k);   // until task k has been copied
        void wait_all();
        std::size_t size() const;

    private:
        friend class CopyPool;
        struct State;
        explicit Batch(std::shared_ptr<State> state) : state_(std::move(state)) {}
        std::shared_ptr<State> state_;
    };

    // Starts `tasks` on `threads` workers (the pool grows to that many, never shrinks).
    // threads <= 1: no worker, the caller's wait() does every copy.
    Batch start(std::vector<Task> tasks, bool gated, int threads);
    int workers() const;

private:
    void worker_loop(int index);
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::shared_ptr<Batch::State> current_;  // the batch workers take tasks from (nullptr: none)
    unsigned long long generation_ = 0;      // bumped for every batch
    int wanted_ = 0;                         // workers the current batch may use
    bool stop_ = false;
    bool streaming_ = true;  // read by start() only; each batch carries its own copy
    std::vector<std::thread> threads_;
};

}  // namespace trtcore
