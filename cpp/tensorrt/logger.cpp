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

void Logger::forward(LogSeverity severity, const std::string& text) {
    Sink sink;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (static_cast<int>(severity) > static_cast<int>(threshold_)) return;
        sink = sink_;
    }
    try {
        if (sink) sink(severity, text);
    } catch (...) {
        // as in log(): called from TensorRT's noexcept frames
    }
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

std::string because(Logger& logger) {
    const std::string errors = logger.take_errors();
    return errors.empty() ? std::string(" (TensorRT logged no error)") : ": " + errors;
}

int32_t ErrorRecorder::getNbErrors() const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int32_t>(errors_.size());
}

nvinfer1::ErrorCode ErrorRecorder::getErrorCode(int32_t index) const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index < 0 || static_cast<std::size_t>(index) >= errors_.size()) return nvinfer1::ErrorCode::kINVALID_ARGUMENT;
    return errors_[static_cast<std::size_t>(index)].first;
}

ErrorRecorder::ErrorDesc ErrorRecorder::getErrorDesc(int32_t index) const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index < 0 || static_cast<std::size_t>(index) >= errors_.size()) return "index out of range";
    return errors_[static_cast<std::size_t>(index)].second.c_str();  // valid until the next clear/report
}

bool ErrorRecorder::hasOverflowed() const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return overflowed_;
}

void ErrorRecorder::clear() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    errors_.clear();
    overflowed_ = false;
}

bool ErrorRecorder::reportError(nvinfer1::ErrorCode code, ErrorDesc desc) noexcept {
    try {
        const std::string text = desc != nullptr ? desc : "";
        {
            std::lock_guard<std::mutex> lock(mutex_);
            errors_.emplace_back(code, text);
            if (errors_.size() > kMaxKeptErrors) {
                errors_.pop_front();
                overflowed_ = true;
            }
        }
        if (logger_) logger_->forward(LogSeverity::kError, text);
    } catch (...) {
        // reportError is noexcept
    }
    return false;  // false: TensorRT goes on with its own error handling (true would ask it to abort)
}

ErrorRecorder::RefCount ErrorRecorder::incRefCount() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return ++refs_;
}

ErrorRecorder::RefCount ErrorRecorder::decRefCount() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return --refs_;
}

std::string ErrorRecorder::take_errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string joined;
    for (const auto& e : errors_) joined += (joined.empty() ? "" : "; ") + e.second;
    errors_.clear();
    overflowed_ = false;
    return joined;
}

}  // namespace trtcore::trt
