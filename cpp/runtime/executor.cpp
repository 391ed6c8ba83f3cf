#ifdef TRTCORE_WITH_CUDA

#include "runtime/executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <exception>

#include "common/error.h"
#include "cuda/check.h"

namespace trtcore {

namespace {
// When a run fails after queueing work, wait for that work before the exception reaches the caller: otherwise the
// GPU could still read the user's arrays or write buffers that are about to be freed.
class SyncOnError {
public:
    explicit SyncOnError(cudaStream_t stream) : stream_(stream), exceptions_(std::uncaught_exceptions()) {}
    ~SyncOnError() {
        if (std::uncaught_exceptions() > exceptions_) cuda::check_noexcept(cudaStreamSynchronize(stream_));
    }
    SyncOnError(const SyncOnError&) = delete;
    SyncOnError& operator=(const SyncOnError&) = delete;

private:
    cudaStream_t stream_;
    int exceptions_;
};

std::string tensor_what(const TensorPlan& t) {
    return (t.io == TensorIO::kInput ? "input '" : "output '") + t.name + "'";
}

// cudaMemcpyAsync whose message is built only when it fails (the hot path of a tiny run builds no string).
void copy_async(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t stream,
                const TensorPlan& t, const char* direction) {
    if (bytes == 0) return;
    const cudaError_t status = cudaMemcpyAsync(dst, src, bytes, kind, stream);
    if (status != cudaSuccess) cuda::check(status, "cudaMemcpyAsync (" + tensor_what(t) + " " + direction + ")");
}

char* at(void* base, std::size_t offset) { return static_cast<char*>(base) + offset; }
const char* at(const void* base, std::size_t offset) { return static_cast<const char*>(base) + offset; }
}  // namespace

Fields ExecutorStats::fields() const {
    const auto measured = [](double seconds) { return seconds < 0 ? FieldValue() : FieldValue(seconds); };
    return {{"runs", runs},
            {"graph_captures", graph_captures},
            {"graph_launches", graph_launches},
            {"allocations", allocations},
            {"host_copy_bytes", host_copy_bytes},
            {"last_run_seconds", last_run_seconds},
            {"last_h2d_seconds", measured(last_h2d_seconds)},
            {"last_compute_seconds", measured(last_compute_seconds)},
            {"last_d2h_seconds", measured(last_d2h_seconds)},
            {"graph_disabled", graph_disabled},
            {"graph_error", graph_disabled ? FieldValue(graph_error) : FieldValue()}};
}

Fields ExecutorStats::stage_seconds() const {
    if (last_compute_seconds < 0) return {};
    return {{"h2d", last_h2d_seconds}, {"compute", last_compute_seconds}, {"d2h", last_d2h_seconds}};
}

HostBuffer::HostBuffer(std::size_t bytes) : data_(std::malloc(bytes == 0 ? 1 : bytes)), size_(bytes) {
    if (!data_) throw std::bad_alloc();
}

void HostBuffer::Free::operator()(void* p) const noexcept { std::free(p); }

Executor::Executor(std::shared_ptr<ExecutionBackend> backend, std::optional<cudaStream_t> stream, bool cuda_graph)
    : backend_(std::move(backend)), cuda_graph_(cuda_graph), user_stream_(stream) {
    if (!backend_) throw ArgumentError("Executor: backend must not be None");
    slots_.resize(backend_->tensors().size());
}

Executor::~Executor() {
    std::lock_guard<std::mutex> lock(mutex_);
    // Work queued on a user's stream is not covered by our own stream's destructor.
    if (cuda_ready_ && has_run_) cuda::check_noexcept(cudaEventSynchronize(done_->get()));
}

void Executor::ensure_cuda() {
    if (cuda_ready_) return;
    device_ = cuda::current_device("executor");
    if (user_stream_) cuda::check_stream_device(*user_stream_, device_, "Executor(stream=...)");
    stream_ = user_stream_ ? cuda::Stream::borrow(*user_stream_) : cuda::Stream::create("executor stream");
    done_ = std::make_shared<cuda::Event>(cuda::Event::create("executor done"));
    producer_ = cuda::Event::create("executor input producer");
    cuda_ready_ = true;
}

Plan Executor::plan(const std::vector<NamedArray>& inputs) {
    std::lock_guard<std::mutex> lock(mutex_);
    return make_plan(*backend_, inputs);
}

std::shared_ptr<cuda::PinnedBuffer> Executor::grow_staging(std::size_t index, std::size_t bytes) {
    auto& host = slots_[index].host;
    // Replaced, never resized in place: arrays viewing the old buffer keep it alive.
    if (!host || host->capacity() < bytes) {
        host.reset();
        const auto& info = backend_->tensors()[index];
        const std::string what = (info.io == TensorIO::kInput ? "input '" : "output '") + info.name + "'";
        host = std::make_shared<cuda::PinnedBuffer>(bytes, what + " staging");
        ++stats_.allocations;
    }
    return host;
}

std::shared_ptr<cuda::PinnedBuffer> Executor::input_staging(const std::string& name, const Shape& shape) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto& tensors = backend_->tensors();
    const auto& info = find_tensor(tensors, name);
    if (info.io != TensorIO::kInput) throw ArgumentError("'" + name + "' is an output, not an input");
    check_input_shape(info, shape);
    const std::size_t bytes = byte_size(shape, info.dtype, "input '" + name + "'");
    ensure_cuda();
    return grow_staging(static_cast<std::size_t>(&info - tensors.data()), bytes);
}

void Executor::enqueue_sequence(const RunState& r, cuda::Event* stages) {
    if (stages != nullptr) stages[0].record(r.stream, "executor stage timing");
    const auto& tensors = r.plan.tensors;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& t = tensors[i];
        if (t.io != TensorIO::kInput || r.fed[i]->location != Location::kHost) continue;
        if (r.deferred[i]) {
            enqueue_input_chunks(r, i);
        } else {
            copy_async(r.device_ptrs[i], slots_[i].host->data(), t.bytes, cudaMemcpyHostToDevice, r.stream, t,
                       "host to device");
        }
    }
    if (stages != nullptr) stages[1].record(r.stream, "executor stage timing");
    backend_->enqueue(r.stream);
    if (stages != nullptr) stages[2].record(r.stream, "executor stage timing");
    if (r.to_host) {
        chunk_events_used_ = 0;
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            const auto& t = tensors[i];
            if (t.io != TensorIO::kOutput) continue;
            if (!r.overlapped[i]) {
                copy_async(slots_[i].host->data(), r.device_ptrs[i], t.bytes, cudaMemcpyDeviceToHost, r.stream, t,
                           "device to host");
                continue;
            }
            // One event after each chunk: finish_run copies chunk k out while chunk k+1 is still in flight.
            for (const auto& c : plan_chunks(t.bytes, staging_)) {
                copy_async(at(slots_[i].host->data(), c.offset), at(r.device_ptrs[i], c.offset), c.bytes,
                           cudaMemcpyDeviceToHost, r.stream, t, "device to host");
                chunk_event(chunk_events_used_++).record(r.stream, "executor copy-out chunk");
            }
        }
    }
    if (stages != nullptr) stages[3].record(r.stream, "executor stage timing");
}

void Executor::enqueue_input_chunks(const RunState& r, std::size_t i) {
    // Threads copy chunk k+1.. into staging while the copy engine already moves chunk k.
    const auto& t = r.plan.tensors[i];
    const void* src = r.fed[i]->data;
    void* staging = slots_[i].host->data();
    const auto chunks = plan_chunks(t.bytes, staging_);
    std::vector<CopyPool::Task> tasks;
    std::vector<std::size_t> ends;  // per chunk: one past its last piece
    for (const auto& c : chunks) {
        for (const auto& p : split_for_threads(c, staging_)) {
            tasks.push_back({at(staging, p.offset), at(src, p.offset), p.bytes});
        }
        ends.push_back(tasks.size());
    }
    CopyPool::Batch batch = copy_pool_.start(std::move(tasks), /*gated=*/false, copy_threads(staging_));
    for (std::size_t k = 0, piece = 0; k < chunks.size(); ++k) {
        for (; piece < ends[k]; ++piece) batch.wait(piece);
        copy_async(at(r.device_ptrs[i], chunks[k].offset), at(staging, chunks[k].offset), chunks[k].bytes,
                   cudaMemcpyHostToDevice, r.stream, t, "host to device");
    }
    stats_.host_copy_bytes += static_cast<long long>(t.bytes);
}

void Executor::copy_out_chunks(const RunState& r) {
    // The D2H chunks were queued in this order, one event each (enqueue_sequence): copy each out once it landed.
    std::vector<CopyPool::Task> tasks;
    std::vector<std::size_t> ends;  // per D2H chunk (and its event): one past its last piece
    for (std::size_t i = 0; i < r.plan.tensors.size(); ++i) {
        if (r.plan.tensors[i].io != TensorIO::kOutput || !r.overlapped[i]) continue;
        for (const auto& c : plan_chunks(r.plan.tensors[i].bytes, staging_)) {
            for (const auto& p : split_for_threads(c, staging_)) {
                tasks.push_back({at(r.host_dst[i], p.offset), at(slots_[i].host->data(), p.offset), p.bytes});
            }
            ends.push_back(tasks.size());
        }
    }
    if (tasks.empty()) return;
    CopyPool::Batch batch = copy_pool_.start(std::move(tasks), /*gated=*/true, copy_threads(staging_));
    for (std::size_t k = 0, piece = 0; k < ends.size(); ++k) {
        chunk_event(k).synchronize("executor copy-out chunk");
        for (; piece < ends[k]; ++piece) batch.open(piece);
    }
    batch.wait_all();
}

cuda::Event& Executor::chunk_event(std::size_t k) {
    while (chunk_events_.size() <= k) chunk_events_.push_back(cuda::Event::create("executor copy-out chunk"));
    return chunk_events_[k];
}

void Executor::parallel_copy(void* dst, const void* src, std::size_t bytes) {
    trtcore::parallel_copy(copy_pool_, staging_, dst, src, bytes);
}

// run() in five steps, each a private function below: plan_run (validate and plan, no CUDA), bind_tensor (per
// tensor: bind a CUDA array, or grow its buffers and copy a host input into staging), set the addresses, enqueue
// (plainly or through a CUDA graph) and finish_run (events, synchronisation, stage timing, the outputs).
std::vector<OutputArray> Executor::run(const std::vector<NamedArray>& inputs, const RunOptions& options) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto start = std::chrono::steady_clock::now();
    RunState r = plan_run(inputs, options);  // all validation happens before any CUDA call

    ensure_cuda();
    if (options.stream) cuda::check_stream_device(*options.stream, device_, "stream");
    r.stream = options.stream ? *options.stream : stream_.get();
    SyncOnError sync_on_error(r.stream);
    if (has_run_ && r.stream != last_stream_) done_->make_wait(r.stream, "executor: after the previous run");

    // Stage timing needs a synchronous run (the events are read right after) outside graph capture.
    r.use_graph = cuda_graph_ && !stats_.graph_disabled;
    const bool timed = stage_timing_ && options.synchronize && !r.use_graph;
    bool staging_free = !has_run_ || staging_idle_;  // after a synchronous run the GPU has read everything
    for (std::size_t i = 0; i < r.plan.tensors.size(); ++i) {
        bind_tensor(r, i, staging_free);
        if (r.plan.tensors[i].io == TensorIO::kOutput && r.to_host) bind_host_output(r, i, options);
    }
    for (std::size_t i = 0; i < r.plan.tensors.size(); ++i) {
        backend_->set_tensor_address(r.plan.tensors[i].name, r.device_ptrs[i]);
    }

    enqueue(r, r.use_graph, timed);
    std::vector<OutputArray> outputs = finish_run(r, options, timed);
    ++stats_.runs;
    stats_.last_run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outputs;
}

Executor::RunState Executor::plan_run(const std::vector<NamedArray>& inputs, const RunOptions& options) {
    for (const auto& in : inputs) {
        // Host arrays are made C-contiguous by the caller (the bindings copy them once); CUDA arrays are refused.
        if (in.array.location == Location::kDevice) check_device_contiguous(in);
    }
    RunState r;
    r.plan = make_plan(*backend_, inputs);
    const std::size_t n = r.plan.tensors.size();
    r.fed.assign(n, nullptr);
    for (const auto& in : inputs) r.fed[r.plan.index(in.name)] = &in.array;
    r.device_ptrs.assign(n, nullptr);
    r.to_host = options.outputs == Location::kHost;
    r.deferred.assign(n, false);
    r.overlapped.assign(n, false);
    r.host_dst.assign(n, nullptr);
    r.owned.assign(n, nullptr);
    if (!options.targets.empty()) {
        if (!r.to_host || !options.synchronize) {
            throw ArgumentError("out= arrays take host outputs of a synchronous run (infer with output_device='cpu')");
        }
        r.host_dst = check_output_targets(r.plan, options.targets);
    }
    return r;
}

void Executor::bind_tensor(RunState& r, std::size_t i, bool& staging_free) {
    const auto& t = r.plan.tensors[i];
    const ArrayView* fed = r.fed[i];
    if (t.io == TensorIO::kInput && fed->location == Location::kDevice) {
        bind_cuda_array(r, i);
        return;
    }
    Slot& slot = slots_[i];
    if (!slot.device || slot.device->capacity() < t.bytes) {
        slot.device.reset();  // free first: growing needs no more memory than the new size
        slot.device = std::make_shared<cuda::DeviceBuffer>(t.bytes, tensor_what(t));
        ++stats_.allocations;
    }
    r.device_ptrs[i] = slot.device->data();
    if (t.io == TensorIO::kInput) {
        stage_input(r, i, staging_free);
    } else if (r.to_host) {
        grow_staging(i, t.bytes);
    }
}

void Executor::bind_host_output(RunState& r, std::size_t i, const RunOptions& options) {
    // Where the executor copies this output from staging: the caller's out= array, an owned copy, or nowhere
    // (staging views, asynchronous runs).
    const auto& t = r.plan.tensors[i];
    if (r.host_dst[i] == nullptr && options.copy_host_outputs && options.synchronize) {
        r.owned[i] = owned_output(i, t.bytes);
        r.host_dst[i] = r.owned[i]->data();
    }
    r.overlapped[i] = r.host_dst[i] != nullptr && !r.use_graph && chunk_count(t.bytes, staging_) > 1;
}

std::shared_ptr<HostBuffer> Executor::owned_output(std::size_t i, std::size_t bytes) {
    if (recycled_.size() < slots_.size()) recycled_.resize(slots_.size());
    auto& cache = recycled_[i];
    // use_count() == 1: only this cache holds it, the caller's array is gone, and nobody can take a new
    // reference but this run (under the lock). The fence orders the caller's last reads before our writes.
    for (const auto& b : cache) {
        if (b.use_count() == 1 && b->size() == bytes) {
            std::atomic_thread_fence(std::memory_order_acquire);
            return b;
        }
    }
    auto fresh = std::make_shared<HostBuffer>(bytes);
    constexpr std::size_t kKept = 2;  // the result being used and the one being computed
    const auto idle = std::find_if(cache.begin(), cache.end(), [](const auto& b) { return b.use_count() == 1; });
    if (idle != cache.end()) {
        *idle = fresh;
    } else if (cache.size() < kKept) {
        cache.push_back(fresh);
    }
    return fresh;
}

void Executor::bind_cuda_array(RunState& r, std::size_t i) {
    // A user's CUDA array is bound as it is: no copy, no staging.
    const ArrayView& fed = *r.fed[i];
    const std::string what = tensor_what(r.plan.tensors[i]);
    const int device = cuda::pointer_device(fed.data, what);
    if (device != device_) {
        throw ArgumentError(what + ": the CUDA array is on device " + std::to_string(device) +
                            ", this executor runs on device " + std::to_string(device_));
    }
    if (fed.producer_stream) {
        producer_.record(reinterpret_cast<cudaStream_t>(*fed.producer_stream), what + " producer stream");
        producer_.make_wait(r.stream, what + " producer stream");
    }
    r.device_ptrs[i] = const_cast<void*>(fed.data);
}

void Executor::stage_input(RunState& r, std::size_t i, bool& staging_free) {
    const auto& t = r.plan.tensors[i];
    const ArrayView& fed = *r.fed[i];
    Slot& slot = slots_[i];
    if (slot.host && fed.data == slot.host->data()) return;  // written in place: zero-copy
    if (!staging_free) {
        // An earlier asynchronous run may still be reading the staging buffers.
        done_->synchronize(tensor_what(t) + " staging");
        staging_free = true;
    }
    grow_staging(i, t.bytes);
    if (!r.use_graph && chunk_count(t.bytes, staging_) > 1) {
        r.deferred[i] = true;  // copied chunk by chunk during the enqueue, overlapped with the DMA
        return;
    }
    parallel_copy(slot.host->data(), fed.data, t.bytes);
    stats_.host_copy_bytes += static_cast<long long>(t.bytes);
}

void Executor::enqueue(const RunState& r, bool use_graph, bool timed) {
    if (timed && !stages_[0].valid()) {
        for (auto& e : stages_) e = cuda::Event::create("executor stage timing", /*timing=*/true);
    }
    stats_.last_h2d_seconds = stats_.last_compute_seconds = stats_.last_d2h_seconds = -1.0;
    try {
        if (use_graph) {
            enqueue_with_graph(r);
        } else {
            enqueue_sequence(r, timed ? stages_ : nullptr);
        }
    } catch (...) {
        graph_.reset();
        graph_key_.clear();
        throw;
    }
}

std::vector<std::uintptr_t> Executor::graph_key(const RunState& r) const {
    // A graph bakes in every address and shape: the key says when it must be captured again.
    std::vector<std::uintptr_t> key{r.to_host ? 1u : 0u};
    for (std::size_t i = 0; i < r.plan.tensors.size(); ++i) {
        const auto& t = r.plan.tensors[i];
        key.push_back(reinterpret_cast<std::uintptr_t>(r.device_ptrs[i]));
        const bool staged = t.io == TensorIO::kInput ? r.fed[i]->location == Location::kHost : r.to_host;
        key.push_back(staged ? reinterpret_cast<std::uintptr_t>(slots_[i].host->data()) : 0u);
        key.push_back(t.shape.size());
        for (const auto d : t.shape) key.push_back(static_cast<std::uintptr_t>(d));
    }
    return key;
}

void Executor::enqueue_with_graph(const RunState& r) {
    const auto plain = [&] { enqueue_sequence(r, nullptr); };
    std::vector<std::uintptr_t> key = graph_key(r);
    if (key != graph_key_) {
        // New shapes or addresses: run plainly once (TensorRT wants one enqueue after a shape change before
        // capture), capture on the next run with the same key.
        graph_.reset();
        graph_key_ = std::move(key);
        plain();
        return;
    }
    if (!graph_.valid()) {
        try {
            graph_ = cuda::CudaGraph::capture(r.stream, plain, "executor");
            ++stats_.graph_captures;
        } catch (const std::exception& e) {
            // Capture failed (nothing was queued: the work was only recorded). Redo the run plainly; if that
            // works, the sequence cannot be captured, so stop trying: retrying would fail every other run (the
            // cleared key makes the next run plain, the one after recapture). A plain run that fails too throws
            // that error and leaves graphs on.
            const std::string reason = e.what();
            graph_.reset();
            graph_key_.clear();
            plain();
            stats_.graph_disabled = true;
            stats_.graph_error = reason;
        }
    }
    if (graph_.valid()) {
        graph_.launch(r.stream, "executor");
        ++stats_.graph_launches;
    }
}

std::vector<OutputArray> Executor::finish_run(const RunState& r, const RunOptions& options, bool timed) {
    done_->record(r.stream, "executor");
    last_stream_ = r.stream;
    has_run_ = true;
    if (options.synchronize) {
        copy_out_chunks(r);  // overlapped outputs: each chunk copied out as soon as it has landed
        cuda::check(cudaStreamSynchronize(r.stream), "cudaStreamSynchronize (executor run)");
    }
    staging_idle_ = options.synchronize;
    if (timed) {
        const auto what = std::string("executor stage timing");
        stats_.last_h2d_seconds = cuda::Event::elapsed_ms(stages_[0], stages_[1], what) / 1e3;
        stats_.last_compute_seconds = cuda::Event::elapsed_ms(stages_[1], stages_[2], what) / 1e3;
        stats_.last_d2h_seconds = cuda::Event::elapsed_ms(stages_[2], stages_[3], what) / 1e3;
    }

    std::vector<OutputArray> outputs;
    for (std::size_t i = 0; i < r.plan.tensors.size(); ++i) {
        const auto& t = r.plan.tensors[i];
        if (t.io != TensorIO::kOutput) continue;
        OutputArray out{t.name, t.dtype, t.shape, t.bytes, options.outputs, device_, nullptr, nullptr, nullptr, false};
        if (r.to_host && r.host_dst[i] != nullptr) {
            if (!r.overlapped[i]) parallel_copy(r.host_dst[i], slots_[i].host->data(), t.bytes);
            out.owned = r.owned[i];
            out.in_target = r.owned[i] == nullptr;
        } else if (r.to_host) {
            out.host = slots_[i].host;
        } else {
            out.device = slots_[i].device;
            if (options.detach_device_outputs) slots_[i].device.reset();
        }
        outputs.push_back(std::move(out));
    }
    return outputs;
}

cudaStream_t Executor::stream() {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_cuda();
    return stream_.get();
}

int Executor::device() {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_cuda();
    return device_;
}

void Executor::synchronize() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cuda_ready_ && has_run_) done_->synchronize("executor synchronize");
}

std::shared_ptr<cuda::Event> Executor::done_event() {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_cuda();
    return done_;
}

std::optional<std::string> Executor::take_graph_warning() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stats_.graph_disabled || graph_warned_) return std::nullopt;
    graph_warned_ = true;
    return "CUDA graph capture failed, this executor now runs without graphs: " + stats_.graph_error;
}

ExecutorStats Executor::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

void Executor::set_stage_timing(bool on) {
    std::lock_guard<std::mutex> lock(mutex_);
    stage_timing_ = on;
}

bool Executor::stage_timing() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stage_timing_;
}

void Executor::set_staging(const StagingPolicy& policy) {
    plan_chunks(0, policy);  // refuses what plan_chunks would refuse, now rather than at the next run
    if (policy.threads < 0) throw ArgumentError("copy threads must be >= 1 (or 0 for the default)");
    std::lock_guard<std::mutex> lock(mutex_);
    staging_ = policy;
    copy_pool_.set_streaming(policy.streaming);
}

StagingPolicy Executor::staging() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return staging_;
}

bool Executor::graph_disabled() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_.graph_disabled;
}

}  // namespace trtcore

#endif  // TRTCORE_WITH_CUDA
