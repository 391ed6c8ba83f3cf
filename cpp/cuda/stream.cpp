#include "cuda/stream.h"

#include <cuda_runtime.h>

#include <utility>

#include "common/error.h"
#include "cuda/check.h"

namespace trtcore::cuda {

Stream Stream::create(const std::string& what) {
    Stream s;
    check(cudaStreamCreateWithFlags(&s.stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags (" + what + ")");
    s.owned_ = true;
    return s;
}

void check_stream_device(cudaStream_t stream, int device, const std::string& what) {
#if CUDART_VERSION >= 12080
    if (stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread) return;
    int owner = -1;
    check(cudaStreamGetDevice(stream, &owner), what + ": asking CUDA which device the stream belongs to");
    if (owner != device)
        throw ArgumentError(what + ": the CUDA stream belongs to device " + std::to_string(owner) +
                            ", but the work runs on device " + std::to_string(device) +
                            " (pass a stream created on that device, or make device " + std::to_string(owner) +
                            " current before the first run)");
#else
    (void)stream;
    (void)device;
    (void)what;
#endif
}

Stream Stream::borrow(cudaStream_t stream) {
    Stream s;
    s.stream_ = stream;
    s.owned_ = false;
    return s;
}

Stream::Stream(Stream&& other) noexcept
    : stream_(std::exchange(other.stream_, nullptr)), owned_(std::exchange(other.owned_, false)) {}

Stream& Stream::operator=(Stream&& other) noexcept {
    if (this != &other) {
        reset();
        stream_ = std::exchange(other.stream_, nullptr);
        owned_ = std::exchange(other.owned_, false);
    }
    return *this;
}

Stream::~Stream() { reset(); }

void Stream::reset() noexcept {
    if (owned_ && stream_ != nullptr) {
        check_noexcept(cudaStreamSynchronize(stream_));
        check_noexcept(cudaStreamDestroy(stream_));
    }
    stream_ = nullptr;
    owned_ = false;
}

void Stream::synchronize(const std::string& what) const {
    check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (" + what + ")");
}

Event Event::create(const std::string& what, bool timing) {
    Event e;
    check(cudaEventCreateWithFlags(&e.event_, timing ? cudaEventDefault : cudaEventDisableTiming),
          "cudaEventCreateWithFlags (" + what + ")");
    return e;
}

Event::Event(Event&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}

Event& Event::operator=(Event&& other) noexcept {
    if (this != &other) {
        if (event_ != nullptr) check_noexcept(cudaEventDestroy(event_));
        event_ = std::exchange(other.event_, nullptr);
    }
    return *this;
}

Event::~Event() {
    if (event_ != nullptr) check_noexcept(cudaEventDestroy(event_));
}

void Event::record(cudaStream_t stream, const std::string& what) {
    check(cudaEventRecord(event_, stream), "cudaEventRecord (" + what + ")");
}

void Event::make_wait(cudaStream_t stream, const std::string& what) const {
    check(cudaStreamWaitEvent(stream, event_, 0), "cudaStreamWaitEvent (" + what + ")");
}

void Event::synchronize(const std::string& what) const {
    check(cudaEventSynchronize(event_), "cudaEventSynchronize (" + what + ")");
}

bool Event::query(const std::string& what) const {
    const cudaError_t status = cudaEventQuery(event_);
    if (status == cudaErrorNotReady) {
        cudaGetLastError();  // "not ready" is an answer, not an error: keep it out of the next check
        return false;
    }
    check(status, "cudaEventQuery (" + what + ")");
    return true;
}

float Event::elapsed_ms(const Event& start, const Event& end, const std::string& what) {
    float ms = 0.0f;
    check(cudaEventElapsedTime(&ms, start.event_, end.event_), "cudaEventElapsedTime (" + what + ")");
    return ms;
}

}  // namespace trtcore::cuda
