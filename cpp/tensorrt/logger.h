// TensorRT's ILogger, thread-safe: keeps the recent errors for exception messages and forwards every message to
// an optional sink (the Python `log` callback, or stderr in the C++ tutorial).
#pragma once

#include <NvInfer.h>

#include <deque>
#include <functional>
#include <mutex>
#include <string>

namespace trtcore::trt {

class Logger : public nvinfer1::ILogger {
public:
    using Sink = std::function<void(Severity, const std::string&)>;

    explicit Logger(Severity threshold = Severity::kWARNING, Sink sink = {});
    void log(Severity severity, const nvinfer1::AsciiChar* msg) noexcept override;

    void set_threshold(Severity threshold);
    void set_sink(Sink sink);
    // Errors logged since the last call, joined with "; " (TensorRT reports many failures only through the log).
    std::string take_errors();

    static const char* severity_name(Severity severity);

private:
    std::mutex mutex_;
    Severity threshold_;
    Sink sink_;
    std::deque<std::string> errors_;
};

}  // namespace trtcore::trt
