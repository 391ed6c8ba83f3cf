// segmentation_tutorial: NVIDIA's quick-start C++ sample (FCN-ResNet101 semantic segmentation), done properly.
//
//   segmentation_tutorial --engine fcn-resnet101.engine --input input.ppm --output output.ppm [--width W --height H]
//                         [--gpu-preprocess]
//
// Reads a PPM/PGM-family RGB image, normalises it as the guide does (mean {0.485, 0.456, 0.406}, std {0.229,
// 0.224, 0.225}), runs the engine (enqueueV3 through trtcore's executor), and writes the class map as a palette
// image (the guide's 21-class palette). The guide's model ends in ArgMax: its output is int64 [1, 1, H, W]; an
// engine that outputs logits [1, C, H, W] or label ids of any integer width is accepted too (argmax on the host,
// image::labels_from_output, shared with Python's Segmenter).
//
// --gpu-preprocess does the same on the GPU (cpp/pipeline, shared with Python's Segmenter on a GPU): the 8-bit
// image goes up, is normalized there into the engine's input, argmax and the palette run there, and only the
// colour image comes down. The output file is the same, byte for byte.
//
// Exit codes: 0 success; 1 run-time failure (TensorRT or CUDA); 2 bad arguments or input files (image, engine
// file missing/unreadable, image size not what the engine or --width/--height say); 3 TensorRT not installed.
// Every resource is owned by an object, so no error path leaks.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "image/guide_io.h"
#include "image/pnm.h"
#include "image/postprocess.h"
#include "image/preprocess.h"
#include "runtime/executor.h"
#include "tensorrt/context.h"
#include "tensorrt/engine.h"
#ifdef TRTCORE_WITH_CUDA_KERNELS
#include "pipeline/gpu_pipeline.h"
#endif

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitNoTensorRT = 3;

const char* const kUsage =
    "usage: segmentation_tutorial --engine FILE --input IN.ppm --output OUT.ppm [--width W --height H] "
    "[--plugins LIB.so ...] [--gpu-preprocess] [--verbose]\n"
    "TensorRT's warnings and errors go to stderr; --verbose adds its info and verbose messages\n"
    "exit codes: 0 ok, 1 runtime failure, 2 bad arguments or input files, 3 TensorRT missing\n";

struct Options {
    std::string engine, input, output;
    std::optional<long> width, height;
    std::vector<std::string> plugins;  // plugin libraries the engine's layers need
    bool verbose = false;
    bool gpu_preprocess = false;
};

long parse_size(const std::string& flag, const std::string& value) {
    char* end = nullptr;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || v <= 0) {
        throw trtcore::ArgumentError(flag + " must be a positive integer, not '" + value + "'");
    }
    return v;
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--verbose") {
            o.verbose = true;
            continue;
        }
        if (arg == "--gpu-preprocess") {
#ifndef TRTCORE_WITH_CUDA_KERNELS
            throw trtcore::ArgumentError("--gpu-preprocess: this build has no GPU kernels (nvcc was not found when "
                                         "it was built)");
#endif
            o.gpu_preprocess = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") throw trtcore::ArgumentError("help");
        if (arg == "--plugins") {  // one or more files, up to the next flag
            while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) o.plugins.emplace_back(argv[++i]);
            if (o.plugins.empty()) throw trtcore::ArgumentError("--plugins needs at least one library");
            continue;
        }
        if (i + 1 >= argc) throw trtcore::ArgumentError(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--engine") {
            o.engine = value;
        } else if (arg == "--input") {
            o.input = value;
        } else if (arg == "--output") {
            o.output = value;
        } else if (arg == "--width") {
            o.width = parse_size(arg, value);
        } else if (arg == "--height") {
            o.height = parse_size(arg, value);
        } else {
            throw trtcore::ArgumentError("unknown argument " + arg);
        }
    }
    if (o.engine.empty() || o.input.empty() || o.output.empty()) {
        throw trtcore::ArgumentError("--engine, --input and --output are required");
    }
    if (o.width.has_value() != o.height.has_value()) {
        throw trtcore::ArgumentError("--width and --height go together");
    }
    return o;
}

#ifdef TRTCORE_WITH_CUDA_KERNELS
// --gpu-preprocess: upload, normalize, enqueueV3, argmax and the guide's palette on one stream; only the colour
// image comes down. The same checks and messages as the host path (label_source, id_outside).
int run_on_gpu(const Options& o, const trtcore::image::Image& image, std::shared_ptr<trtcore::trt::Context> context,
               const std::string& input, const std::string& output) {
    namespace pl = trtcore::pipeline;
    pl::GpuPipeline gpu(std::move(context), input, output,
                        pl::Preprocess{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f},
                                       static_cast<float>(image.maxval), false},
                        std::nullopt, /*cuda_graph=*/false);
    const trtcore::image::Palette palette = trtcore::image::guide_palette();
    const pl::ImageSpec spec{image.type, image.height, image.width, image.channels};
    try {
        gpu.segment(image.pixels.data(), spec, pl::SegmentRequest{false, trtcore::DataType::kInt64, &palette});
    } catch (const trtcore::FormatError& e) {  // the engine's output is not labels or logits: exit 1, as on the host
        throw trtcore::TensorRTError(o.engine + ": " + e.what());
    } catch (const trtcore::ShapeError&) {
        throw;
    } catch (const trtcore::ArgumentError& e) {
        throw trtcore::Error(std::string("the engine's output does not fit the guide's 21-class palette: ") +
                             e.what());
    }
    const trtcore::image::ImageView rgb{gpu.colors(), image.width, image.height, 3, trtcore::DataType::kUInt8, 255};
    trtcore::image::write_pnm(o.output, rgb);
    std::printf("segmentation_tutorial: %s (%zux%zu) -> %s (GPU pre- and post-processing)\n", o.input.c_str(),
                image.width, image.height, o.output.c_str());
    return kExitOk;
}
#endif

int run(const Options& o) {
    // The guide's flow and names: RGBImageReader → enqueueV3 (through the executor) → ArgmaxImageWriter. The input
    // shape comes from --width/--height as in the guide, or else from the image itself.
    int64_t height = 0, width = 0;
    if (o.width) {
        width = *o.width;
        height = *o.height;
    } else {
        const trtcore::image::Image header = trtcore::image::read_pnm(o.input);
        width = static_cast<int64_t>(header.width);
        height = static_cast<int64_t>(header.height);
    }
    trtcore::image::RGBImageReader reader(o.input, {1, 3, height, width}, {0.485f, 0.456f, 0.406f},
                                          {0.229f, 0.224f, 0.225f});
    reader.read();  // FormatError/FileError, or ShapeError naming the file when it is grey or not W x H

    // Warnings and errors always reach stderr (TensorRT often explains a failure only there); --verbose lowers the
    // threshold to TensorRT's info and verbose messages.
    const trtcore::LogSink sink = [](trtcore::LogSeverity s, const std::string& msg) {
        std::fprintf(stderr, "[TensorRT %s] %s\n", trtcore::severity_name(s), msg.c_str());
    };
    trtcore::trt::LoadOptions load;
    load.plugins = o.plugins;
    load.log_threshold = o.verbose ? trtcore::LogSeverity::kVerbose : trtcore::LogSeverity::kWarning;
    auto engine = trtcore::trt::Engine::from_file(o.engine, sink, load);
    auto context = std::make_shared<trtcore::trt::Context>(engine);
    const trtcore::TensorInfo* input = nullptr;
    const trtcore::TensorInfo* output = nullptr;
    for (const auto& t : engine->tensors()) {
        if (t.io == trtcore::TensorIO::kInput && input == nullptr) input = &t;
        if (t.io == trtcore::TensorIO::kOutput && output == nullptr) output = &t;
    }
    if (input == nullptr || output == nullptr || input->dtype != trtcore::DataType::kFloat32 ||
        input->shape.size() != 4) {
        throw trtcore::TensorRTError(o.engine + " is not a segmentation engine: it needs one float32 NCHW input "
                                     "and one output");
    }

#ifdef TRTCORE_WITH_CUDA_KERNELS
    if (o.gpu_preprocess) return run_on_gpu(o, reader.image(), context, input->name, output->name);
#endif
    std::vector<float> chw = reader.process();
    trtcore::Executor executor(context, std::nullopt, /*cuda_graph=*/false);
    trtcore::NamedArray in{input->name, {}};
    in.array.data = chw.data();
    in.array.dtype = trtcore::DataType::kFloat32;
    in.array.shape = {1, 3, height, width};
    const std::vector<trtcore::OutputArray> outputs = executor.run({in}, trtcore::RunOptions{});
    const trtcore::OutputArray* out = nullptr;
    for (const auto& a : outputs) {
        if (a.name == output->name) out = &a;
    }
    if (out == nullptr || !out->host) throw trtcore::TensorRTError("the executor returned no host output");

    // [1, 1, H, W] / [1, H, W] class ids of any integer width, or [1, C, H, W] logits: the same C++ function
    // Python's Segmenter uses. A bad output is the engine's fault, not the user's input (exit 1, not 2).
    std::vector<int64_t> labels(static_cast<std::size_t>(height * width));
    try {
        trtcore::image::labels_from_output(out->host->data(), out->dtype, out->shape, labels.data(),
                                           "output '" + out->name + "'", static_cast<std::size_t>(height),
                                           static_cast<std::size_t>(width));
    } catch (const trtcore::FormatError& e) {
        throw trtcore::TensorRTError(o.engine + ": " + e.what());
    }
    trtcore::image::ArgmaxImageWriter writer(o.output, {1, 1, height, width});  // the guide's 21-class palette
    try {
        writer.process(labels.data());
    } catch (const trtcore::ArgumentError& e) {  // a class id the palette lacks: the model, not the user's input
        throw trtcore::Error(std::string("the engine's output does not fit the guide's 21-class palette: ") +
                             e.what());
    }
    writer.write();
    std::printf("segmentation_tutorial: %s (%ldx%ld) -> %s\n", o.input.c_str(), static_cast<long>(width),
                static_cast<long>(height), o.output.c_str());
    return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    try {
        options = parse_args(argc, argv);
    } catch (const trtcore::ArgumentError& e) {
        if (std::string(e.what()) != "help") std::fprintf(stderr, "segmentation_tutorial: %s\n", e.what());
        std::fputs(kUsage, stderr);
        return std::string(e.what()) == "help" ? kExitOk : kExitBadInput;
    }
    try {
        return run(options);
    } catch (const trtcore::TensorRTNotFound& e) {
        std::fprintf(stderr, "segmentation_tutorial: TensorRT is missing: %s\n", e.what());
        return kExitNoTensorRT;
    } catch (const trtcore::FileError& e) {
        std::fprintf(stderr, "segmentation_tutorial: %s\n", e.what());
        return kExitBadInput;
    } catch (const trtcore::FormatError& e) {
        std::fprintf(stderr, "segmentation_tutorial: %s\n", e.what());
        return kExitBadInput;
    } catch (const trtcore::ArgumentError& e) {  // includes ShapeError: the image does not fit the engine
        std::fprintf(stderr, "segmentation_tutorial: %s\n", e.what());
        return kExitBadInput;
    } catch (const std::exception& e) {  // TensorRTError, CudaError, bad_alloc
        std::fprintf(stderr, "segmentation_tutorial: %s\n", e.what());
        return kExitRuntime;
    }
}
