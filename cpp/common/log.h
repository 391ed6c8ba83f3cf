// trtcore's own log vocabulary: how severe a message is and where messages go. The TensorRT layer maps
// TensorRT's ILogger::Severity onto it (cpp/tensorrt/logger.cpp), so the bindings and the C++ apps never see a
// TensorRT type.
#pragma once

#include <functional>
#include <string>

namespace trtcore {

// Most severe first, as TensorRT orders its severities: a threshold keeps a message when it is not below it.
enum class LogSeverity { kInternalError, kError, kWarning, kInfo, kVerbose };

// Receives each message kept by a threshold. May be called on any thread.
using LogSink = std::function<void(LogSeverity, const std::string&)>;

// "internal_error", "error", "warning", "info", "verbose".
inline const char* severity_name(LogSeverity severity) {
    switch (severity) {
        case LogSeverity::kInternalError: return "internal_error";
        case LogSeverity::kError: return "error";
        case LogSeverity::kWarning: return "warning";
        case LogSeverity::kInfo: return "info";
        case LogSeverity::kVerbose: return "verbose";
    }
    return "unknown";
}

}  // namespace trtcore
