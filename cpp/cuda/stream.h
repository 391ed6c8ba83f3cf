// RAII for CUDA streams and events. Move-only; destructors never throw (failures there are swallowed after being
// cleared, because a destructor runs during unwinding too).
#pragma once

#include <cuda_runtime_api.h>

#include <string>

namespace trtcore::cuda {

class Stream {
public:
    Stream() = default;  // no stream: get() is nullptr (CUDA's legacy default stream); used as "not created yet"
    // A new non-blocking stream (it does not synchronise with the legacy default stream, so other libraries' work
    // on stream 0 does not serialise ours). Throws CudaError naming `what`.
    static Stream create(const std::string& what);
    // Wraps a stream somebody else owns (a user's torch/cupy stream): never synchronised or destroyed by us.
    static Stream borrow(cudaStream_t stream);

    Stream(Stream&& other) noexcept;
    Stream& operator=(Stream&& other) noexcept;
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    // An owned stream is synchronised before it is destroyed: work still queued may use buffers freed next.
    ~Stream();

    cudaStream_t get() const { return stream_; }
    bool owned() const { return owned_; }
    bool valid() const { return owned_ || stream_ != nullptr; }
    void synchronize(const std::string& what) const;

private:
    void reset() noexcept;
    cudaStream_t stream_ = nullptr;
    bool owned_ = false;
};

// ArgumentError naming `what` when a user's `stream` belongs to another device than `device` (work queued there
// would fault or run on the wrong GPU). CUDA's default-stream handles always belong to the current device. Needs
// cudaStreamGetDevice (CUDA 12.8); built against an older runtime the check is skipped.
void check_stream_device(cudaStream_t stream, int device, const std::string& what);

class Event {
public:
    Event() = default;
    // timing=false makes record/wait cheaper (CUDA skips the timestamp).
    static Event create(const std::string& what, bool timing = false);

    Event(Event&& other) noexcept;
    Event& operator=(Event&& other) noexcept;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    ~Event();

    cudaEvent_t get() const { return event_; }
    bool valid() const { return event_ != nullptr; }
    void record(cudaStream_t stream, const std::string& what);
    // Makes `stream` wait (on the GPU, the host does not block) until the last record() has completed.
    void make_wait(cudaStream_t stream, const std::string& what) const;
    void synchronize(const std::string& what) const;
    // Whether the last record() has completed, without blocking (false while it is pending).
    bool query(const std::string& what) const;
    // Milliseconds between two recorded timing events.
    static float elapsed_ms(const Event& start, const Event& end, const std::string& what);

private:
    cudaEvent_t event_ = nullptr;
};

}  // namespace trtcore::cuda
