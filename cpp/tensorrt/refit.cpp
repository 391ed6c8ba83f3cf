#include "tensorrt/refit.h"

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/stat.h>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.h"
#include "tensorrt/builder_options.h"
#include "tensorrt/engine_handles.h"
#include "tensorrt/library.h"

namespace trtcore::trt {

namespace {
void check_model_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw FileError("cannot read ONNX model " + path + " to refit from: " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) throw FileError("cannot read ONNX model " + path + " to refit from: it is a folder");
}

// The names of the weights the engine still needs (IRefitter::getMissingWeights).
std::vector<std::string> missing_weights(nvinfer1::IRefitter& refitter) {
    const int32_t n = refitter.getMissingWeights(0, nullptr);
    std::vector<const char*> names(static_cast<std::size_t>(std::max<int32_t>(n, 0)), nullptr);
    if (!names.empty()) refitter.getMissingWeights(n, names.data());
    std::vector<std::string> out;
    for (const char* name : names) out.emplace_back(name != nullptr && name[0] != '\0' ? name : "(unnamed)");
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// The parser refitter's errors, one per line, as builder.cpp reports the parser's.
std::string parser_refitter_errors(const nvonnxparser::IParserRefitter& parser) {
    std::string out;
    for (int32_t i = 0; i < parser.getNbErrors(); ++i) {
        const nvonnxparser::IParserError* e = parser.getError(i);
        if (e == nullptr) continue;
        out += "\n  ";
        if (e->node() >= 0) {
            const char* name = e->nodeName();
            out += "node " + std::to_string(e->node()) + " (" + (name != nullptr && name[0] ? name : "unnamed") + "): ";
        }
        out += parser_error_name(e->code()) + ": " + (e->desc() != nullptr ? e->desc() : "");
    }
    return out;
}

// SerializationFlag::kINCLUDE_REFIT exists from TensorRT 10.8 on: set it where the headers have it, so that a
// refittable engine stays refittable once its weights are in the plan.
template <typename Flag, typename = void>
struct HasIncludeRefit : std::false_type {};
template <typename Flag>
struct HasIncludeRefit<Flag, std::void_t<decltype(Flag::kINCLUDE_REFIT)>> : std::true_type {};

template <typename Flag = nvinfer1::SerializationFlag>
void keep_refittable(nvinfer1::ISerializationConfig& config) {
    if constexpr (HasIncludeRefit<Flag>::value) config.setFlag(Flag::kINCLUDE_REFIT);
}

std::string serialize_with_weights(nvinfer1::ICudaEngine& engine, const std::string& what, Logger& logger) {
    Ptr<nvinfer1::ISerializationConfig> config(engine.createSerializationConfig());
    if (!config) throw TensorRTError("TensorRT could not create a serialization config for " + what + because(logger));
    config->clearFlag(nvinfer1::SerializationFlag::kEXCLUDE_WEIGHTS);  // a stripped plan's default
    keep_refittable(*config);
    Ptr<nvinfer1::IHostMemory> plan(engine.serializeWithConfig(*config));
    if (!plan || plan->size() == 0) {
        throw TensorRTError("TensorRT could not serialize " + what + " (serializeWithConfig failed)" + because(logger));
    }
    return std::string(static_cast<const char*>(plan->data()), plan->size());
}
}  // namespace

std::string refit_engine(const void* data, std::size_t size, const std::string& source, const std::string& onnx_path,
                         LogSink sink, const LoadOptions& options) {
    check_model_file(onnx_path);
    // Declaration order: the refitters go before the engine they refit.
    const std::shared_ptr<Engine> loaded = Engine::from_bytes(data, size, source, std::move(sink), options);
    Engine::Handles& handles = loaded->handles();
    nvinfer1::ICudaEngine& engine = *handles.engine;
    Logger& logger = *handles.logger;
    logger.take_errors();  // what deserializing reported without failing is not about the refit
    if (!engine.isRefittable()) {
        throw ArgumentError(source + " is not a refittable engine: it was built without --refit or --stripWeights; "
                            "rebuild it with `trtcore build --onnx MODEL.onnx --refit` (or --stripWeights for a "
                            "plan without its weights) to refit it later, or rebuild it from " + onnx_path);
    }
    const std::string what = source + " from " + onnx_path;
    auto& library = Library::get();
    Ptr<nvinfer1::IRefitter> refitter = library.create_refitter(engine, logger);
    Ptr<nvonnxparser::IParserRefitter> parser = library.create_parser_refitter(*refitter, logger);
    if (!parser->refitFromFile(onnx_path.c_str())) {
        const std::vector<std::string> missing = missing_weights(*refitter);
        std::string why = parser_refitter_errors(*parser) + because(logger);
        if (!missing.empty()) why += "; the engine still lacks " + join(missing);
        throw TensorRTError("TensorRT's ONNX parser could not refit " + what + why);
    }
    const std::vector<std::string> missing = missing_weights(*refitter);
    if (!missing.empty()) {
        throw TensorRTError("cannot refit " + what + ": the model lacks " + std::to_string(missing.size()) +
                            " weight(s) the engine needs: " + join(missing) +
                            " (refit from the model the engine was built from, or one with the same initializer "
                            "names and shapes)");
    }
    if (!refitter->refitCudaEngine()) {
        throw TensorRTError("TensorRT could not refit " + what + " (IRefitter::refitCudaEngine failed)" +
                            because(logger));
    }
    return serialize_with_weights(engine, "the refitted engine " + source, logger);
}

}  // namespace trtcore::trt
