// TensorRT's ILogger, thread-safe: keeps the recent errors for exception messages and forwards every message to
// an optional sink (the Python `log` callback, or stderr in the C++ tutorial) in trtcore's own severities
// (common/log.h). Internal to cpp/tensorrt: it includes NvInfer.h.
#pragma once

#include <NvInfer.h>

#include <deque>
#include <mutex>
#include <string>

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

    // TensorRT's severity in trtcore's words (mapped by name: TensorRT 11 renumbered its enums).
    static LogSeverity severity(Severity severity);

private:
    std::mutex mutex_;
    LogSeverity threshold_;
    Sink sink_;
    std::deque<std::string> errors_;
};

}  // namespace trtcore::trt
