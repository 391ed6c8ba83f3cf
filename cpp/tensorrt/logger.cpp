#include "tensorrt/logger.h"

namespace trtcore::trt {

namespace {
constexpr std::size_t kMaxKeptErrors = 16;
}

Logger::Logger(LogSeverity threshold, Sink sink) : threshold_(threshold), sink_(std::move(sink)) {}

void Logger::log(Severity severity, const nvinfer1::AsciiChar* msg) noexcept {
    try {
        const std::string text = msg != nullptr ? msg : "";
        const LogSeverity ours = Logger::severity(severity);
        Sink sink;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (ours == LogSeverity::kError || ours == LogSeverity::kInternalError) {
                errors_.push_back(text);
                if (errors_.size() > kMaxKeptErrors) errors_.pop_front();
            }
            if (static_cast<int>(ours) > static_cast<int>(threshold_)) return;  // LogSeverity: most severe first
            sink = sink_;
        }
        if (sink) sink(ours, text);
    } catch (...) {
        // log() is noexcept: a failing sink must not take TensorRT down with it.
    }
}

void Logger::set_threshold(LogSeverity threshold) {
    std::lock_guard<std::mutex> lock(mutex_);
    threshold_ = threshold;
}

void Logger::set_sink(Sink sink) {
    std::lock_guard<std::mutex> lock(mutex_);
    sink_ = std::move(sink);
}

std::string Logger::take_errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string joined;
    for (const auto& e : errors_) joined += (joined.empty() ? "" : "; ") + e;
    errors_.clear();
    return joined;
}

LogSeverity Logger::severity(Severity severity) {
    switch (severity) {
        case Severity::kINTERNAL_ERROR: return LogSeverity::kInternalError;
        case Severity::kERROR: return LogSeverity::kError;
        case Severity::kWARNING: return LogSeverity::kWarning;
        case Severity::kINFO: return LogSeverity::kInfo;
        case Severity::kVERBOSE: return LogSeverity::kVerbose;
    }
    return LogSeverity::kVerbose;  // a severity newer than these headers: the least severe
}

}  // namespace trtcore::trt
