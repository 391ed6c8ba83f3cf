// TensorRT's ILogger, thread-safe: keeps the recent errors for exception messages and forwards every message to
// an optional sink (the Python `log` callback, or stderr in the C++ tutorial) in trtcore's own severities
// (common/log.h). Internal to cpp/tensorrt: it includes NvInfer.h.
#pragma once

#include <NvInfer.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/log.h"

namespace trtcore::trt {

class Logger : public nvinfer1::ILogger {
public:
    using Sink = LogSink;

    explicit Logger(LogSeverity threshold = LogSeverity::kWarning, Sink sink = {});
    void log(Severity severity, const nvinfer1::AsciiChar* msg) noexcept override;

    void set_threshold(LogSeverity threshold);
    void set_sink(Sink sink);
    // Errors logged since the last call, joined with "; " (TensorRT reports many failures only through the log).
    std::string take_errors();

    // Passes `text` to the sink when the threshold keeps `severity`, without keeping it among the errors (for
    // errors an ErrorRecorder keeps itself).
    void forward(LogSeverity severity, const std::string& text);

    // TensorRT's severity in trtcore's words (mapped by name: TensorRT 11 renumbered its enums).
    static LogSeverity severity(Severity severity);

private:
    std::mutex mutex_;
    LogSeverity threshold_;
    Sink sink_;
    std::deque<std::string> errors_;
};

// ": <the errors `logger` kept>" to end an exception message after a failed TensorRT call, or " (TensorRT logged
// no error)" when it kept none, so that every such message either carries TensorRT's words or says there were none.
std::string because(Logger& logger);

// One per execution context (IExecutionContext::setErrorRecorder): TensorRT then reports that context's errors
// here instead of to the engine's logger, which all contexts and threads of the engine share, so one thread's
// error text never lands in another thread's exception. Errors are also forwarded to `logger`'s sink (not to its
// kept errors). Thread-safe; its lifetime is the owner's (declared before the context it is given to), the
// reference count TensorRT keeps is only reported back.
class ErrorRecorder : public nvinfer1::IErrorRecorder {
public:
    explicit ErrorRecorder(std::shared_ptr<Logger> logger) : logger_(std::move(logger)) {}

    int32_t getNbErrors() const noexcept override;
    nvinfer1::ErrorCode getErrorCode(int32_t index) const noexcept override;
    ErrorDesc getErrorDesc(int32_t index) const noexcept override;
    bool hasOverflowed() const noexcept override;
    void clear() noexcept override;
    bool reportError(nvinfer1::ErrorCode code, ErrorDesc desc) noexcept override;
    RefCount incRefCount() noexcept override;
    RefCount decRefCount() noexcept override;

    // The errors reported since the last call, joined with "; ", then cleared.
    std::string take_errors();

private:
    mutable std::mutex mutex_;
    std::shared_ptr<Logger> logger_;
    std::deque<std::pair<nvinfer1::ErrorCode, std::string>> errors_;
    bool overflowed_ = false;
    RefCount refs_ = 0;
};

}  // namespace trtcore::trt
