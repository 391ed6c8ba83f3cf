#include "tensorrt/logger.h"

namespace trtcore::trt {

namespace {
constexpr std::size_t kMaxKeptErrors = 16;
}

Logger::Logger(Severity threshold, Sink sink) : threshold_(threshold), sink_(std::move(sink)) {}

void Logger::log(Severity severity, const nvinfer1::AsciiChar* msg) noexcept {
    try {
        const std::string text = msg != nullptr ? msg : "";
        Sink sink;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (severity == Severity::kERROR || severity == Severity::kINTERNAL_ERROR) {
                errors_.push_back(text);
                if (errors_.size() > kMaxKeptErrors) errors_.pop_front();
            }
            if (static_cast<int>(severity) > static_cast<int>(threshold_)) return;
            sink = sink_;
        }
        if (sink) sink(severity, text);
    } catch (...) {
        // log() is noexcept: a failing sink must not take TensorRT down with it.
    }
}

void Logger::set_threshold(Severity threshold) {
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

const char* Logger::severity_name(Severity severity) {
    switch (severity) {
        case Severity::kINTERNAL_ERROR: return "internal_error";
        case Severity::kERROR: return "error";
        case Severity::kWARNING: return "warning";
        case Severity::kINFO: return "info";
        case Severity::kVERBOSE: return "verbose";
    }
    return "unknown";
}

}  // namespace trtcore::trt
