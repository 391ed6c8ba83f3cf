#include "tensorrt/library.h"

#include <NvInferVersion.h>

#include <cstdio>

#include "common/error.h"
#include "common/trt_library.h"

namespace trtcore::trt {

namespace {
using CreateFn = void* (*)(void* logger, int32_t version);
using ParserFn = void* (*)(void* network, void* logger, int version);
using RefitterFn = void* (*)(void* engine_or_refitter, void* logger, int32_t version);
using VersionFn = int32_t (*)();
using PluginInitFn = bool (*)(void* logger, const char* lib_namespace);

template <typename Fn>
Fn symbol(const DynamicLibrary& lib, const char* name) {
    auto fn = reinterpret_cast<Fn>(lib.symbol(name));
    if (fn == nullptr) {
        throw TensorRTNotFound(lib.path() + " has no symbol " + name +
                               ": it is not a TensorRT " + std::to_string(NV_TENSORRT_MAJOR) + ".x library");
    }
    return fn;
}

// ": <errors>" that `logger` kept, when it is one of ours.
std::string logged_errors(nvinfer1::ILogger& logger) {
    auto* ours = dynamic_cast<Logger*>(&logger);
    const std::string errors = ours != nullptr ? ours->take_errors() : std::string();
    return errors.empty() ? std::string() : ": " + errors;
}

std::string format_version(int v) {
    return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}
}  // namespace

Library& Library::get() {
    // Function-local static: constructed once, thread-safe; a failed construction is retried on the next call.
    static Library library;
    return library;
}

Logger& Library::plugin_logger() {
    // Deliberately leaked: libnvinfer_plugin is never unloaded and may log while the process exits, after
    // function-local statics are destroyed. One small object, once per process.
    static Logger* const logger =
        std::make_unique<Logger>(LogSeverity::kWarning,
                                 [](LogSeverity s, const std::string& msg) {
                                     std::fprintf(stderr, "[TensorRT plugins] %s: %s\n", severity_name(s),
                                                  msg.c_str());
                                 })
            .release();
    return *logger;
}

Library::Library() : nvinfer_(open_tensorrt_library("nvinfer", NV_TENSORRT_MAJOR)) {
    version_ = symbol<VersionFn>(*nvinfer_, "getInferLibVersion")();
    const std::string headers = std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR);
    if (version_ / 10000 != NV_TENSORRT_MAJOR) {
        throw TensorRTError(nvinfer_->path() + " is TensorRT " + format_version(version_) +
                            ", but this trtcore was compiled against TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                            ".x headers (" + headers + "): install TensorRT " + headers + " or a newer " +
                            std::to_string(NV_TENSORRT_MAJOR) +
                            ".x, or rebuild trtcore against the installed version's headers");
    }
    // The headers' inline wrappers call whatever their minor declares; an older library may lack some of it (a
    // missing vtable slot is undefined behaviour, not an error), so an older minor is refused up front.
    if ((version_ / 100) % 100 < NV_TENSORRT_MINOR) {
        throw TensorRTError(nvinfer_->path() + " is TensorRT " + format_version(version_) +
                            ", older than the TensorRT " + headers +
                            " headers this trtcore was compiled against: install TensorRT " + headers +
                            " or a newer " + std::to_string(NV_TENSORRT_MAJOR) +
                            ".x, or rebuild trtcore against the installed version's headers (TensorRT_ROOT=...)");
    }
}

std::string Library::version_string() const { return format_version(version_); }

Ptr<nvinfer1::IRuntime> Library::create_runtime(nvinfer1::ILogger& logger) const {
    auto create = symbol<CreateFn>(*nvinfer_, "createInferRuntime_INTERNAL");
    Ptr<nvinfer1::IRuntime> runtime(static_cast<nvinfer1::IRuntime*>(create(&logger, NV_TENSORRT_VERSION)));
    if (!runtime) throw TensorRTError("TensorRT could not create a runtime (createInferRuntime failed)" +
                                      logged_errors(logger));
    return runtime;
}

Ptr<nvinfer1::IBuilder> Library::create_builder(nvinfer1::ILogger& logger) const {
    preload_builder_resources(nvinfer_->path());  // see trt_library.h: libnvinfer finds them by soname only
    auto create = symbol<CreateFn>(*nvinfer_, "createInferBuilder_INTERNAL");
    Ptr<nvinfer1::IBuilder> builder(static_cast<nvinfer1::IBuilder*>(create(&logger, NV_TENSORRT_VERSION)));
    if (!builder) throw TensorRTError("TensorRT could not create a builder (createInferBuilder failed)" +
                                      logged_errors(logger));
    return builder;
}

namespace {
// TensorRTError when `lib` is, by its file name, another release than libnvinfer (`version`, as
// getInferLibVersion gives it): mixing them is unsupported and fails in ways that do not name the cause. A name
// with the major only (pip's wheels) cannot be checked; it is then trusted when it lies in libnvinfer's folder,
// and `warning` says so otherwise.
void check_same_release(const DynamicLibrary& lib, const DynamicLibrary& nvinfer, int version, std::string& warning) {
    const std::vector<int> file = library_file_version(lib.path());
    const int major = version / 10000, minor = (version / 100) % 100;
    if (file.size() >= 2 && (file[0] != major || file[1] != minor)) {
        std::string release;
        for (int part : file) release += (release.empty() ? "" : ".") + std::to_string(part);
        throw TensorRTError(lib.path() + " is TensorRT " + release + ", but " + nvinfer.path() + " is TensorRT " +
                            format_version(version) + ": use the parser and plugin libraries of the same release "
                            "as libnvinfer (point TRTCORE_TENSORRT_LIB_DIR at one TensorRT's folder)");
    }
    if (file.empty() && folder_of(lib.path()) != folder_of(nvinfer.path())) {
        warning = lib.path() + " was found apart from " + nvinfer.path() +
                  " and its file name carries no release: make sure both are TensorRT " + format_version(version);
    }
}
}  // namespace

const DynamicLibrary& Library::parser_library(Logger& logger) {
    std::string warning;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!parser_) {
            auto lib = open_tensorrt_library("nvonnxparser", NV_TENSORRT_MAJOR, folder_of(nvinfer_->path()));
            check_same_release(*lib, *nvinfer_, version_, warning);
            parser_ = std::move(lib);
        }
    }
    if (!warning.empty()) logger.log(nvinfer1::ILogger::Severity::kWARNING, warning.c_str());
    return *parser_;
}

Ptr<nvonnxparser::IParser> Library::create_parser(nvinfer1::INetworkDefinition& network, Logger& logger) {
    auto create = symbol<ParserFn>(parser_library(logger), "createNvOnnxParser_INTERNAL");
    Ptr<nvonnxparser::IParser> parser(static_cast<nvonnxparser::IParser*>(
        create(&network, static_cast<nvinfer1::ILogger*>(&logger), NV_ONNX_PARSER_VERSION)));
    if (!parser) {
        const std::string why = logger.take_errors();
        throw TensorRTError("TensorRT could not create an ONNX parser (createNvOnnxParser failed" +
                            (why.empty() ? std::string(")") : "): " + why));
    }
    return parser;
}

Ptr<nvinfer1::IRefitter> Library::create_refitter(nvinfer1::ICudaEngine& engine, Logger& logger) const {
    auto create = symbol<RefitterFn>(*nvinfer_, "createInferRefitter_INTERNAL");
    Ptr<nvinfer1::IRefitter> refitter(static_cast<nvinfer1::IRefitter*>(
        create(&engine, static_cast<nvinfer1::ILogger*>(&logger), NV_TENSORRT_VERSION)));
    if (!refitter) {
        throw TensorRTError("TensorRT could not create a refitter (createInferRefitter failed)" + because(logger));
    }
    return refitter;
}

Ptr<nvonnxparser::IParserRefitter> Library::create_parser_refitter(nvinfer1::IRefitter& refitter, Logger& logger) {
    auto create = symbol<RefitterFn>(parser_library(logger), "createNvOnnxParserRefitter_INTERNAL");
    Ptr<nvonnxparser::IParserRefitter> parser(static_cast<nvonnxparser::IParserRefitter*>(
        create(&refitter, static_cast<nvinfer1::ILogger*>(&logger), NV_ONNX_PARSER_VERSION)));
    if (!parser) {
        throw TensorRTError("TensorRT could not create an ONNX parser refitter (createNvOnnxParserRefitter failed)" +
                            because(logger));
    }
    return parser;
}

void Library::init_plugins() {
    std::string warning;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (plugins_initialised_) return;
        if (!plugins_) {
            auto lib = open_tensorrt_library("nvinfer_plugin", NV_TENSORRT_MAJOR, folder_of(nvinfer_->path()));
            check_same_release(*lib, *nvinfer_, version_, warning);
            plugins_ = std::move(lib);
        }
        // initLibNvInferPlugins takes a void* that it uses as an nvinfer1::ILogger*: pass exactly that pointer.
        nvinfer1::ILogger* logger = &plugin_logger();
        if (!symbol<PluginInitFn>(*plugins_, "initLibNvInferPlugins")(logger, "")) {
            const std::string why = plugin_logger().take_errors();
            throw TensorRTError("initLibNvInferPlugins failed in " + plugins_->path() +
                                (why.empty() ? std::string() : ": " + why));
        }
        plugins_initialised_ = true;
    }
    if (!warning.empty()) plugin_logger().log(nvinfer1::ILogger::Severity::kWARNING, warning.c_str());
}

void Library::load_plugins(nvinfer1::IPluginRegistry& registry, const std::vector<std::string>& paths,
                           Logger& logger) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& path : paths) {
        bool done = false;
        for (const auto& r : registered_) done = done || (r.first == &registry && r.second == path);
        if (done) continue;
        if (!nvinfer_global_) {
            std::string why;
            if (!nvinfer_->make_global(why)) {
                logger.log(nvinfer1::ILogger::Severity::kWARNING,
                           ("cannot make " + nvinfer_->path() + "'s symbols global (" + why +
                            "): a plugin library that does not link libnvinfer itself will fail to load").c_str());
            }
            nvinfer_global_ = true;
        }
        // dlopen searches the loader path for a name without '/': "./" keeps it the file the user named.
        const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
        const DynamicLibrary* lib = nullptr;
        for (const auto& loaded : user_plugins_) {
            if (loaded.first == path) lib = loaded.second.get();
        }
        if (lib == nullptr) {
            std::vector<std::string> tried;
            auto opened = DynamicLibrary::open(file, {}, tried);
            if (!opened) {
                std::string why;
                for (const auto& t : tried) why += (why.empty() ? "" : "; ") + t;
                throw FileError("cannot load plugin library " + path + ": " + why);
            }
            opened->keep_loaded();  // TensorRT's plugin registry points into it until the process ends
            lib = opened.get();
            user_plugins_.emplace_back(path, std::move(opened));
        }
        // A library with these entry points registers nothing by being loaded: the registry must call them.
        if (lib->symbol("getCreators") != nullptr || lib->symbol("getPluginCreators") != nullptr) {
            // The registry reports through its error recorder, else through TensorRT's process-wide logger, which
            // is not ours: a recorder of ours for the time of the call keeps the reason for the message.
            ErrorRecorder recorder(nullptr);
            nvinfer1::IErrorRecorder* previous = registry.getErrorRecorder();
            registry.setErrorRecorder(&recorder);
            void* handle = registry.loadLibrary(file.c_str());
            registry.setErrorRecorder(previous);
            if (handle == nullptr) {
                std::string why = recorder.take_errors();
                if (why.empty()) why = logger.take_errors();
                throw TensorRTError("TensorRT's plugin registry could not load plugin library " + path +
                                    " (IPluginRegistry::loadLibrary failed" +
                                    (why.empty() ? "; are its plugins already registered?)" : "): " + why));
            }
        }
        registered_.emplace_back(&registry, path);
    }
}

}  // namespace trtcore::trt
