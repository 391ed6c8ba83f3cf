#include "tensorrt/builder.h"

#include <NvInfer.h>
#include <NvInferVersion.h>
#include <NvOnnxParser.h>

#include <chrono>
#include <exception>
#include <mutex>

#include "common/error.h"
#include "tensorrt/build_controls.h"
#include "tensorrt/builder_options.h"
#include "tensorrt/io_formats.h"
#include "tensorrt/library.h"
#include "tensorrt/types.h"

namespace trtcore::trt {

namespace {
using Severity = nvinfer1::ILogger::Severity;

// Forwards TensorRT's progress to a ProgressFn. Also the one place a build is cancelled: by the callback's
// answer, or because a callback (progress or log) threw; the first exception is kept and re-thrown after the build.
class ProgressMonitor : public nvinfer1::IProgressMonitor {
public:
    explicit ProgressMonitor(const ProgressFn& fn) : fn_(fn) {}

    // Only stepComplete can cancel (TensorRT's IProgressMonitor contract): a `false` from phaseStart or
    // phaseFinish is ignored, else a build that TensorRT completed (its last phaseFinish comes after the last
    // step) would be thrown away.
    void phaseStart(char const* phase, char const* parent, int32_t nbSteps) noexcept override {
        call(ProgressEvent::kStart, phase, parent, nbSteps);
    }
    bool stepComplete(char const* phase, int32_t step) noexcept override {
        if (!call(ProgressEvent::kStep, phase, nullptr, step)) {
            std::lock_guard<std::mutex> lock(mutex_);
            cancelled_ = true;
        }
        return !cancelled();
    }
    void phaseFinish(char const* phase) noexcept override { call(ProgressEvent::kFinish, phase, nullptr, 0); }

    // Called from any thread TensorRT logs on.
    void fail(std::exception_ptr error) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::move(error);
        cancelled_ = true;
    }
    bool cancelled() {
        std::lock_guard<std::mutex> lock(mutex_);
        return cancelled_;
    }
    std::exception_ptr error() {
        std::lock_guard<std::mutex> lock(mutex_);
        return error_;
    }

private:
    // The callback's answer; false also when it threw (the exception is kept and the build cancelled).
    bool call(ProgressEvent event, const char* phase, const char* parent, int32_t value) noexcept {
        if (!fn_) return true;
        try {
            return fn_(event, phase != nullptr ? phase : "", parent, value);
        } catch (...) {
            fail(std::current_exception());
        }
        return false;
    }

    const ProgressFn& fn_;
    std::mutex mutex_;
    bool cancelled_ = false;
    std::exception_ptr error_;
};

std::string host_memory_bytes(const nvinfer1::IHostMemory& memory) {
    return std::string(static_cast<const char*>(memory.data()), memory.size());
}

std::string parser_errors(const nvonnxparser::IParser& parser, const std::string& onnx_path) {
    std::string message = "TensorRT's ONNX parser rejected " + onnx_path + ":";
    bool unsupported = false;
    for (int i = 0; i < parser.getNbErrors(); ++i) {
        const nvonnxparser::IParserError* e = parser.getError(i);
        if (e == nullptr) continue;
        const char* name = e->nodeName();
        const char* op = e->nodeOperator();
        message += "\n  ";
        if (e->node() >= 0) {  // -1: the error is about the model as a whole (e.g. not an ONNX file)
            message += "node " + std::to_string(e->node()) + " (" + (name != nullptr && name[0] ? name : "unnamed") +
                       ", op " + (op != nullptr && op[0] ? op : "?") + "): ";
        }
        message += parser_error_name(e->code()) + ": " + (e->desc() != nullptr ? e->desc() : "");
        if (is_unsupported_node(e->code())) {
            message += " (load a plugin with --plugins)";
            unsupported = true;
        }
    }
    if (unsupported) {
        message += "\nTensorRT has no built-in layer for the operator(s) above: load a plugin library that "
                   "implements them with --plugins, or change the model.";
    }
    return message;
}

void add_profiles(const BuildRequest& r, nvinfer1::IBuilder& builder, nvinfer1::INetworkDefinition& network,
                  nvinfer1::IBuilderConfig& config, Logger& logger) {
    std::string inputs;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) {
        inputs += (inputs.empty() ? "" : ", ") + std::string(network.getInput(i)->getName());
    }
    for (std::size_t i = 0; i < r.profiles.size(); ++i) {
        const std::string where = "optimization profile " + std::to_string(i);
        // Owned by the builder: not deleted here.
        nvinfer1::IOptimizationProfile* profile = builder.createOptimizationProfile();
        if (profile == nullptr) throw BuildError("TensorRT could not create " + where + because(logger));
        for (const auto& p : r.profiles[i]) {
            const std::string& name = p.name;
            bool found = false;
            for (int32_t k = 0; k < network.getNbInputs(); ++k) found = found || name == network.getInput(k)->getName();
            if (!found) {
                throw ArgumentError(where + " names input '" + name + "', which the model does not have (inputs: " +
                                    inputs + ")");
            }
            const std::string what = where + ", input '" + name + "'";
            using S = nvinfer1::OptProfileSelector;
            if (!profile->setDimensions(name.c_str(), S::kMIN, to_trt(p.min, what)) ||
                !profile->setDimensions(name.c_str(), S::kOPT, to_trt(p.opt, what)) ||
                !profile->setDimensions(name.c_str(), S::kMAX, to_trt(p.max, what))) {
                throw ShapeError(what + ": TensorRT rejected min " + to_string(p.min) + ", opt " + to_string(p.opt) +
                                 ", max " + to_string(p.max) + " (min <= opt <= max per dimension)" +
                                 because(logger));
            }
        }
        if (config.addOptimizationProfile(profile) < 0) {
            throw ArgumentError(where + " is not valid for " + r.onnx_path + because(logger));
        }
    }
}

// The cache the build starts from. TensorRT keeps a pointer to it: it must outlive the build.
Ptr<nvinfer1::ITimingCache> attach_timing_cache(const BuildRequest& r, nvinfer1::IBuilderConfig& config,
                                                Logger& logger, bool& used) {
    used = false;
    Ptr<nvinfer1::ITimingCache> cache;
    if (r.timing_cache && !r.timing_cache->empty()) {
        cache.reset(config.createTimingCache(r.timing_cache->data(), r.timing_cache->size()));
        if (cache && config.setTimingCache(*cache, false)) {
            used = true;
            return cache;
        }
        logger.take_errors();  // the rejection is reported as a warning, not as a build error
        logger.log(Severity::kWARNING, "the timing cache given was rejected (corrupt, or made on another device or "
                                       "TensorRT version); starting from an empty cache");
    }
    cache.reset(config.createTimingCache(nullptr, 0));
    if (cache && !config.setTimingCache(*cache, false)) cache.reset();
    return cache;
}

void init_standard_plugins(Library& library, Logger& logger) {
    try {
        library.init_plugins();  // TensorRT's own plugins, which some ONNX operators map onto
    } catch (const Error& e) {
        logger.log(Severity::kWARNING, (std::string("TensorRT's standard plugins are unavailable: ") + e.what())
                                           .c_str());
    }
}

// What a version-compatible plan needs of the plugin libraries the parser mapped operators onto (trtexec's
// protocol, samples/common/sampleEngines.cpp): they are registered for the build and, unless the lean runtime is
// excluded (then the application ships and loads them), serialized into the plan so that it loads anywhere.
void use_parser_plugin_libraries(const nvonnxparser::IParser& parser, Library& library,
                                 nvinfer1::IBuilder& builder, nvinfer1::IBuilderConfig& config, bool serialize,
                                 Logger& logger) {
    int64_t count = 0;
    char const* const* libraries = parser.getUsedVCPluginLibraries(count);
    if (count < 0) {
        logger.log(Severity::kWARNING, ("TensorRT's ONNX parser could not list the plugin libraries this "
                                        "version-compatible plan needs" + because(logger)).c_str());
        return;
    }
    std::vector<std::string> paths;
    for (int64_t i = 0; i < count && libraries != nullptr; ++i) {
        if (libraries[i] == nullptr) continue;
        const std::string path = libraries[i];
        bool seen = false;
        for (const auto& p : paths) seen = seen || p == path;
        if (!seen) paths.push_back(path);  // setPluginsToSerialize wants each entry once
    }
    if (paths.empty()) return;
    library.load_plugins(builder.getPluginRegistry(), paths, logger);
    std::string names;
    for (const auto& p : paths) names += (names.empty() ? "" : ", ") + p;
    if (!serialize) {
        logger.log(Severity::kINFO, ("the plan needs the plugin libraries " + names + " (not serialized into it: "
                                     "exclude_lean_runtime); load them with the engine").c_str());
        return;
    }
    std::vector<const char*> pointers;
    for (const auto& p : paths) pointers.push_back(p.c_str());
    config.setPluginsToSerialize(pointers.data(), static_cast<int32_t>(pointers.size()));
    logger.log(Severity::kINFO, ("plugin libraries serialized into the version-compatible plan: " + names).c_str());
}

void configure(const BuildRequest& r, nvinfer1::IBuilderConfig& config, [[maybe_unused]] Logger& logger) {
    for (const auto& f : r.flags) apply_builder_flag(f, &config);
    for (const auto& [name, bytes] : r.memory_pools) config.setMemoryPoolLimit(memory_pool(name), bytes);
    if (r.builder_optimization_level >= 0) config.setBuilderOptimizationLevel(r.builder_optimization_level);
    if (r.max_aux_streams >= 0) {
#if NV_TENSORRT_MAJOR >= 11
        if (!config.setMaxAuxStreams(r.max_aux_streams)) {
            throw ArgumentError("TensorRT rejected max aux streams = " + std::to_string(r.max_aux_streams) +
                                because(logger));
        }
#else
        config.setMaxAuxStreams(r.max_aux_streams);
#endif
    }
    config.setHardwareCompatibilityLevel(hardware_compatibility(r.hardware_compatibility_level));
    if (!r.profiling_verbosity.empty()) config.setProfilingVerbosity(profiling_verbosity(r.profiling_verbosity));
    apply_tactic_sources(r, config);
}

bool has_flag(const BuildRequest& r, const char* name) {
    for (const auto& f : r.flags) {
        if (f == name) return true;
    }
    return false;
}
}  // namespace

const char* progress_event_name(ProgressEvent e) {
    switch (e) {
        case ProgressEvent::kStart: return "start";
        case ProgressEvent::kStep: return "step";
        case ProgressEvent::kFinish: return "finish";
    }
    return "?";
}

BuildResult build_engine(const BuildRequest& r, const ProgressFn& progress, LogSink log) {
    validate_request(r);
    const auto started = std::chrono::steady_clock::now();
    Library& library = Library::get();

    // Declared before everything TensorRT creates: destroyed after it (the builder and the config refer to them).
    ProgressMonitor monitor(progress);
    Logger logger(r.verbose ? LogSeverity::kVerbose : LogSeverity::kWarning,
                  [&monitor, log = std::move(log)](LogSeverity s, const std::string& msg) {
                      if (!log) return;
                      try {
                          log(s, msg);
                      } catch (...) {
                          monitor.fail(std::current_exception());
                      }
                  });
    init_standard_plugins(library, logger);
    select_build_device(r);

    // TensorRT: a timing cache must outlive every builder using it, so it is declared (destroyed) before (after).
    Ptr<nvinfer1::ITimingCache> cache;
    Ptr<nvinfer1::IBuilder> builder = library.create_builder(logger);
    library.load_plugins(builder->getPluginRegistry(), r.plugins, logger);  // before parsing: operators map onto them
    nvinfer1::NetworkDefinitionCreationFlags network_flags = 0;
#if NV_TENSORRT_MAJOR == 10
    if (has_flag(r, "strongly_typed")) {
        network_flags |= 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
    }
#endif  // 11.x: every network is strongly typed; the flag is deprecated and ignored
    Ptr<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(network_flags));
    if (!network) throw BuildError("TensorRT could not create a network" + because(logger));
    // Builder, network, config, then parser: the order of NVIDIA's samples.
    Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
    if (!config) throw BuildError("TensorRT could not create a builder configuration" + because(logger));
    configure(r, *config, logger);
    Ptr<nvonnxparser::IParser> parser = library.create_parser(*network, logger);
    const auto parser_verbosity = static_cast<int>(r.verbose ? Severity::kVERBOSE : Severity::kWARNING);
    if (!parser->parseFromFile(r.onnx_path.c_str(), parser_verbosity)) {
        std::string message = parser_errors(*parser, r.onnx_path);
        if (parser->getNbErrors() == 0) message += " " + logger.take_errors();
        throw BuildError(message);
    }
    if (auto error = monitor.error()) std::rethrow_exception(error);
    if (has_flag(r, "version_compatible")) {
        use_parser_plugin_libraries(*parser, library, *builder, *config, !has_flag(r, "exclude_lean_runtime"),
                                    logger);
    }
    apply_io_types(r, *network);
    apply_layer_precisions(r, *network);

    add_profiles(r, *builder, *network, *config, logger);
    BuildResult result;
    if (!has_flag(r, "disable_timing_cache")) cache = attach_timing_cache(r, *config, logger, result.timing_cache_used);
    config->setProgressMonitor(&monitor);
    logger.take_errors();  // only errors of the build itself explain a failed build

    Ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
    config->setProgressMonitor(nullptr);
    if (auto error = monitor.error()) std::rethrow_exception(error);
    if (monitor.cancelled()) throw BuildError("build cancelled");
    if (!plan || plan->size() == 0) {
        std::string why = logger.take_errors();
        throw BuildError("TensorRT could not build an engine from " + r.onnx_path + ": " +
                         (why.empty() ? "TensorRT gave no reason (run with verbose logging)" : why));
    }
    result.engine = host_memory_bytes(*plan);
    if (const nvinfer1::ITimingCache* after = config->getTimingCache()) {
        if (Ptr<nvinfer1::IHostMemory> bytes{after->serialize()}) result.timing_cache = host_memory_bytes(*bytes);
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.tensorrt_version = library.version_string();
    return result;
}

std::string merge_timing_caches(const std::vector<std::string>& caches) {
    Library& library = Library::get();
    Logger logger;
    Ptr<nvinfer1::ITimingCache> merged;  // caches outlive the builder (TensorRT's rule)
    std::vector<Ptr<nvinfer1::ITimingCache>> inputs;
    Ptr<nvinfer1::IBuilder> builder = library.create_builder(logger);
    Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
    if (!config) throw TensorRTError("TensorRT could not create a builder configuration" + because(logger));
    merged.reset(config->createTimingCache(nullptr, 0));
    if (!merged) throw TensorRTError("TensorRT could not create a timing cache" + because(logger));
    for (std::size_t i = 0; i < caches.size(); ++i) {
        const std::string what = "timing cache #" + std::to_string(i) + " (" + std::to_string(caches[i].size()) +
                                 " bytes)";
        if (caches[i].empty()) throw FormatError(what + " is empty: not a TensorRT timing cache");
        inputs.emplace_back(config->createTimingCache(caches[i].data(), caches[i].size()));
        if (!inputs.back()) throw FormatError(what + " is not a TensorRT timing cache" + because(logger));
        if (!merged->combine(*inputs.back(), false)) {
            throw TensorRTError(what + " cannot be merged (made on another device or TensorRT version?)" +
                                because(logger));
        }
    }
    Ptr<nvinfer1::IHostMemory> bytes(merged->serialize());
    if (!bytes) throw TensorRTError("TensorRT could not serialize the merged timing cache" + because(logger));
    return host_memory_bytes(*bytes);
}

}  // namespace trtcore::trt
