#include "runtime/staging.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>
#include <immintrin.h>
#define TRTCORE_SPIN_PAUSE() _mm_pause()
#else
#define TRTCORE_SPIN_PAUSE() std::this_thread::yield()
#endif

namespace trtcore {

namespace {
constexpr std::size_t kPage = 4096;
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

// Waits for `flag` without a system call for the short waits (a chunk is tens of microseconds), then yields.
template <typename Ready>
void spin_until(const Ready& ready) {
    for (int i = 0; !ready(); ++i) {
        if (i < 2048) {
            TRTCORE_SPIN_PAUSE();
        } else {
            std::this_thread::yield();
        }
    }
}
}  // namespace

void streaming_copy(void* dst, const void* src, std::size_t bytes) {
#if defined(__x86_64__)
    auto* d = static_cast<char*>(dst);
    const auto* s = static_cast<const char*>(src);
    // Head: up to the first 16-byte boundary of the destination (stream stores need aligned addresses).
    const std::size_t head = std::min(bytes, (16 - reinterpret_cast<std::uintptr_t>(d) % 16) % 16);
    std::memcpy(d, s, head);
    d += head;
    s += head;
    bytes -= head;
    std::size_t i = 0;
    for (; i + 64 <= bytes; i += 64) {  // SSE2 is part of x86-64: no run-time dispatch needed
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 16));
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 32));
        const __m128i e = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 48));
        _mm_stream_si128(reinterpret_cast<__m128i*>(d + i), a);
        _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + 16), b);
        _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + 32), c);
        _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + 48), e);
    }
    std::memcpy(d + i, s + i, bytes - i);
    _mm_sfence();  // streaming stores are weakly ordered: publish them before the chunk is marked done
#else
    std::memcpy(dst, src, bytes);
#endif
}

std::vector<CopyChunk> plan_chunks(std::size_t bytes, const StagingPolicy& policy) {
    if (policy.chunk_bytes > kMaxChunk) {
        throw ArgumentError("staging chunk size must be at most 1 GiB, got " + std::to_string(policy.chunk_bytes));
    }
    std::vector<CopyChunk> chunks;
    if (bytes == 0) return chunks;
    if (policy.chunk_bytes == 0 || bytes < policy.min_chunked_bytes) {
        chunks.push_back({0, bytes});
        return chunks;
    }
    const std::size_t target = std::max(kPage, (policy.chunk_bytes + kPage - 1) / kPage * kPage);
    const std::size_t count = (bytes + target - 1) / target;
    // Equal chunks (page multiples) rather than full chunks and a small tail: the last DMA is not a tiny one.
    std::size_t size = (bytes + count - 1) / count;
    size = (size + kPage - 1) / kPage * kPage;
    chunks.reserve(count);
    for (std::size_t offset = 0; offset < bytes; offset += size) {
        chunks.push_back({offset, std::min(size, bytes - offset)});
    }
    return chunks;
}

std::vector<CopyChunk> split_for_threads(const CopyChunk& chunk, const StagingPolicy& policy) {
    const std::size_t threads = static_cast<std::size_t>(copy_threads(policy));
    const std::size_t piece = std::max<std::size_t>(std::size_t{64} << 10, policy.chunk_bytes / threads);
    auto pieces = plan_chunks(chunk.bytes, StagingPolicy{piece, 0, policy.threads, policy.streaming});
    for (auto& p : pieces) p.offset += chunk.offset;
    return pieces;
}

std::size_t chunk_count(std::size_t bytes, const StagingPolicy& policy) {
    if (bytes == 0) return 0;
    if (policy.chunk_bytes == 0 || bytes < policy.min_chunked_bytes) return 1;
    return plan_chunks(bytes, policy).size();
}

std::vector<void*> check_output_targets(const Plan& plan, const std::vector<NamedArray>& targets) {
    std::vector<void*> dst(plan.tensors.size(), nullptr);
    for (const auto& target : targets) {
        const ArrayView& s = target.array;
        const std::string what = "out['" + target.name + "']";
        if (!s.c_contiguous) throw ArgumentError(what + ": the array must be C-contiguous");
        if (!s.writeable) throw ArgumentError(what + ": the array is read-only");
        const auto it = std::find_if(plan.tensors.begin(), plan.tensors.end(),
                                     [&](const TensorPlan& t) { return t.name == target.name; });
        if (it == plan.tensors.end() || it->io != TensorIO::kOutput) {
            std::string names;
            for (const auto& t : plan.tensors) {
                if (t.io == TensorIO::kOutput) names += (names.empty() ? "'" : ", '") + t.name + "'";
            }
            const char* why = it == plan.tensors.end() ? "no output of that name" : "that is an input";
            throw ArgumentError(what + ": " + why + "; the outputs are: " + (names.empty() ? "none" : names));
        }
        if (!s.dtype || *s.dtype != it->dtype) {
            throw DTypeError(what + ": the array is " + (s.dtype ? dtype_name(*s.dtype) : s.type) + ", output '" +
                             it->name + "' is " + dtype_name(it->dtype) + " (pass an array of that dtype)");
        }
        if (s.shape != it->shape) {
            throw ShapeError(what + ": the array has shape " + to_string(s.shape) + ", output '" + it->name +
                             "' has shape " + to_string(it->shape) + " for this feed");
        }
        dst[static_cast<std::size_t>(it - plan.tensors.begin())] = s.data;
    }
    return dst;
}

int copy_threads(const StagingPolicy& policy) {
    if (policy.threads >= 1) return policy.threads;
    return std::min(num_threads(), 8);
}

struct CopyPool::Batch::State {
    State(std::vector<Task> t, bool g, bool stream)
        : tasks(std::move(t)), gated(g), streaming(stream), open(tasks.size()), done(tasks.size()) {
        for (std::size_t k = 0; k < tasks.size(); ++k) {
            open[k].store(!gated, std::memory_order_relaxed);
            done[k].store(false, std::memory_order_relaxed);
        }
    }
    // Claims the next task for a worker (which may then wait for its gate), or for a helping caller (only a task
    // that may run now, so the caller never waits for a gate only it can open). n: none left.
    std::size_t claim(bool helping) {
        std::size_t k = next.load();
        while (k < tasks.size()) {
            if (helping && !open[k].load(std::memory_order_acquire)) return tasks.size();
            if (next.compare_exchange_weak(k, k + 1)) return k;
        }
        return tasks.size();
    }
    void run(std::size_t k) {
        spin_until([&] { return open[k].load(std::memory_order_acquire) || cancelled.load(); });
        // Read after claiming: a batch abandoned before this point is not touched (see ~Batch).
        if (!cancelled.load() && tasks[k].bytes != 0) {
            if (streaming) {
                streaming_copy(tasks[k].dst, tasks[k].src, tasks[k].bytes);
            } else {
                std::memcpy(tasks[k].dst, tasks[k].src, tasks[k].bytes);
            }
        }
        done[k].store(true, std::memory_order_release);
    }

    std::vector<Task> tasks;
    bool gated;
    bool streaming;
    std::vector<std::atomic<bool>> open;  // sized once, never resized (atomics do not move)
    std::vector<std::atomic<bool>> done;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> cancelled{false};
};

CopyPool::Batch::~Batch() {
    if (!state_) return;
    // Tasks claimed before `cancelled` was set may be copying; every later claim sees it and skips its copy.
    state_->cancelled.store(true);
    const std::size_t claimed = std::min(state_->next.load(), state_->tasks.size());
    for (std::size_t k = 0; k < claimed; ++k) {
        spin_until([&] { return state_->done[k].load(std::memory_order_acquire); });
    }
}

void CopyPool::Batch::open(std::size_t k) { state_->open[k].store(true, std::memory_order_release); }

void CopyPool::Batch::wait(std::size_t k) {
    State& s = *state_;
    // Help rather than idle: run tasks nobody has taken yet (also what makes a pool without workers work).
    while (!s.done[k].load(std::memory_order_acquire)) {
        const std::size_t j = s.claim(/*helping=*/true);
        if (j < s.tasks.size()) {
            s.run(j);
        } else {
            spin_until([&] { return s.done[k].load(std::memory_order_acquire); });
        }
    }
}

void CopyPool::Batch::wait_all() {
    for (std::size_t k = 0; k < state_->tasks.size(); ++k) wait(k);
}

std::size_t CopyPool::Batch::size() const { return state_->tasks.size(); }

CopyPool::~CopyPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

CopyPool::Batch CopyPool::start(std::vector<Task> tasks, bool gated, int threads) {
    auto state = std::make_shared<Batch::State>(std::move(tasks), gated, streaming_);
    const int workers = std::max(0, std::min<int>(threads, static_cast<int>(state->tasks.size())) - 1);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        try {
            while (static_cast<int>(threads_.size()) < workers) {
                const int index = static_cast<int>(threads_.size());
                threads_.emplace_back([this, index] { worker_loop(index); });
            }
        } catch (const std::exception&) {
            // No more threads (resource limits): the ones there are, and the caller, do the work.
        }
        current_ = state;
        ++generation_;
        wanted_ = workers;
    }
    if (workers > 0) wake_.notify_all();
    return Batch(std::move(state));
}

int CopyPool::workers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(threads_.size());
}

void CopyPool::worker_loop(int index) {
    unsigned long long seen = 0;
    for (;;) {
        std::shared_ptr<Batch::State> batch;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || (generation_ != seen && index < wanted_); });
            if (stop_) return;
            seen = generation_;
            batch = current_;
        }
        for (std::size_t k = batch->claim(false); k < batch->tasks.size(); k = batch->claim(false)) batch->run(k);
    }
}

void parallel_copy(CopyPool& pool, const StagingPolicy& policy, void* dst, const void* src, std::size_t bytes) {
    if (chunk_count(bytes, policy) <= 1) {
        if (bytes != 0) std::memcpy(dst, src, bytes);
        return;
    }
    std::vector<CopyPool::Task> tasks;
    for (const auto& c : plan_chunks(bytes, policy)) {
        for (const auto& p : split_for_threads(c, policy)) {
            tasks.push_back({static_cast<char*>(dst) + p.offset, static_cast<const char*>(src) + p.offset, p.bytes});
        }
    }
    pool.start(std::move(tasks), /*gated=*/false, copy_threads(policy)).wait_all();
}

}  // namespace trtcore
