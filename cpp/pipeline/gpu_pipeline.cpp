#include "pipeline/gpu_pipeline.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.h"
#include "cuda/check.h"
#include "image/cuda/argmax.h"
#include "image/cuda/normalize.h"
#include "image/cuda/topk.h"
#include "image/softmax.h"
#include "image/topk.h"

namespace trtcore::pipeline {

namespace {

std::size_t index_of(const std::vector<TensorInfo>& tensors, const std::string& name, TensorIO io, const char* role) {
    for (std::size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].name == name && tensors[i].io == io) return i;
    throw ArgumentError(std::string("GPU pipeline: the model has no ") + role + " named '" + name + "'");
}

bool is_float(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat16; }

}  // namespace

std::size_t ImageSpec::bytes() const { return height * width * channels * element_size(type); }

ImageSpec image_spec(const ArrayView& image) {
    const DataType t = check_array(image, "image", {DataType::kUInt8, DataType::kUInt16});
    if (image.shape.size() != 3) {
        throw ShapeError("image: expected an HWC array, got shape " + shape_tuple_str(image.shape));
    }
    return {t, static_cast<std::size_t>(image.shape[0]), static_cast<std::size_t>(image.shape[1]),
            static_cast<std::size_t>(image.shape[2]), image.location};
}

Fields StageTimes::fields() const {
    return {{"upload", upload}, {"preprocess", preprocess}, {"model", model}, {"postprocess", postprocess},
            {"download", download}};
}

bool ResultBuffers::prepare(std::size_t bytes, const std::string& what) {
    const auto free = [&](std::size_t i) { return buffers_[i].use_count() == 1; };
    std::size_t pick = buffers_.size();
    if (!buffers_.empty() && free(current_)) pick = current_;
    for (std::size_t i = 0; i < buffers_.size() && pick == buffers_.size(); ++i)
        if (free(i)) pick = i;
    if (pick == buffers_.size()) {
        // lend() keeps one buffer free, so this only happens below kBuffers; past it, a buffer is replaced
        // (its holder keeps the old one) rather than ever writing into a held one.
        if (buffers_.size() == kBuffers) buffers_.erase(buffers_.begin());
        buffers_.push_back(std::make_shared<cuda::PinnedBuffer>());
        pick = buffers_.size() - 1;
    }
    current_ = pick;
    return buffers_[pick]->reserve(bytes, what);
}

std::shared_ptr<cuda::PinnedBuffer> ResultBuffers::lend() const {
    if (buffers_.empty()) return nullptr;
    std::size_t free_others = kBuffers - buffers_.size();  // buffers not made yet are free
    for (std::size_t i = 0; i < buffers_.size(); ++i)
        if (i != current_ && buffers_[i].use_count() == 1) ++free_others;
    return free_others > 0 ? buffers_[current_] : nullptr;
}

Fields PipelineStats::fields() const {
    return {{"runs", runs},
            {"graph_captures", graph_captures},
            {"graphs", graphs},
            {"graph_launches", graph_launches},
            {"allocations", allocations},
            {"resizes", resizes},
            {"uploaded_bytes", uploaded_bytes},
            {"graph_disabled", graph_disabled},
            {"graph_error", graph_error}};
}

GpuPipeline::GpuPipeline(std::shared_ptr<ExecutionBackend> backend, std::string input, std::string output,
                         Preprocess preprocess, std::optional<cudaStream_t> stream, bool cuda_graph)
    : backend_(std::move(backend)), input_name_(std::move(input)), output_name_(std::move(output)),
      pre_(std::move(preprocess)), cuda_graph_(cuda_graph), user_stream_(stream) {
    if (!backend_) throw ArgumentError("GPU pipeline: no backend");
    const auto& infos = backend_->tensors();
    input_ = index_of(infos, input_name_, TensorIO::kInput, "input");
    output_ = index_of(infos, output_name_, TensorIO::kOutput, "output");
    for (const auto& t : infos)
        if (t.io == TensorIO::kInput && t.name != input_name_)
            throw ArgumentError("GPU pipeline: the model has another input, '" + t.name +
                                "'; the pipeline feeds one image input ('" + input_name_ + "')");
    const TensorInfo& in = infos[input_];
    if (in.shape.size() != 4 || !is_float(in.dtype))
        throw FormatError("GPU pipeline: input '" + in.name + "' is " + dtype_name(in.dtype) + " " +
                          to_string(in.shape) + "; the pipeline feeds float32/float16 NCHW images");
    for (const auto& t : infos) tensors_.push_back({t, {}, {}});
}

GpuPipeline::~GpuPipeline() {
    // Queued work reads the buffers: finish it before members go (an owned stream also syncs in its destructor).
    if (cuda_ready_) cuda::check_noexcept(cudaStreamSynchronize(stream_.get()));
}

std::string GpuPipeline::what() const { return "GPU pipeline ('" + input_name_ + "' -> '" + output_name_ + "')"; }

void GpuPipeline::ensure_cuda() {
    if (cuda_ready_) return;
    if (user_stream_) cuda::check_stream_device(*user_stream_, cuda::current_device(what()), what() + " stream");
    stream_ = user_stream_ ? cuda::Stream::borrow(*user_stream_) : cuda::Stream::create(what());
    for (auto& e : stages_) e = cuda::Event::create(what() + " stage timing", true);
    id_check_ = std::make_unique<image::gpu::IdCheck>(what());
    cuda_ready_ = true;
}

void GpuPipeline::wait_for(cudaStream_t producer) {
    ensure_cuda();
    if (!producer_.valid()) producer_ = cuda::Event::create(what() + " image producer");
    producer_.record(producer, what() + ": the image's producer stream");
    producer_.make_wait(stream_.get(), what() + ": the image's producer stream");
}

cudaStream_t GpuPipeline::stream() {
    ensure_cuda();
    return stream_.get();
}

void GpuPipeline::grow(cuda::DeviceBuffer& b, std::size_t bytes, const std::string& name) {
    if (b.reserve(bytes, what() + " " + name)) ++stats_.allocations;
}

void GpuPipeline::grow(cuda::PinnedBuffer& b, std::size_t bytes, const std::string& name) {
    if (b.reserve(bytes, what() + " " + name)) ++stats_.allocations;
}

void GpuPipeline::grow(ResultBuffers& b, std::size_t bytes, const std::string& name) {
    if (b.prepare(bytes, what() + " " + name)) ++stats_.allocations;
}

void* GpuPipeline::image_staging(const ImageSpec& image) {
    ensure_cuda();
    grow(image_host_, image.bytes(), "image staging");
    return image_host_.data();
}

void GpuPipeline::prepare(const ImageSpec& spec) {
    if (spec.type != DataType::kUInt8 && spec.type != DataType::kUInt16)
        throw DTypeError(std::string("GPU pipeline: image samples must be uint8 or uint16, got ") +
                         dtype_name(spec.type));
    if (spec.height == 0 || spec.width == 0 || spec.channels == 0)
        throw ShapeError("GPU pipeline: empty image (" + std::to_string(spec.height) + "x" +
                         std::to_string(spec.width) + "x" + std::to_string(spec.channels) + ")");
    const TensorInfo& in = tensors_[input_].info;
    const auto fixed = [&](std::size_t d) { return in.shape[d] >= 0; };
    if (fixed(1) && static_cast<std::size_t>(in.shape[1]) != spec.channels)
        throw ShapeError("input '" + in.name + "' takes " + std::to_string(in.shape[1]) + " channels, the image has " +
                         std::to_string(spec.channels));
    if (fixed(0) && in.shape[0] != 1)
        throw ShapeError("input '" + in.name + "' takes a batch of " + std::to_string(in.shape[0]) +
                         "; the GPU pipeline runs one image at a time");
    Shape shape{1, static_cast<std::int64_t>(spec.channels), static_cast<std::int64_t>(spec.height),
                static_cast<std::int64_t>(spec.width)};
    bool fits = true, too_large = false;
    for (std::size_t d = 2; d < 4; ++d) {
        if (!fixed(d) || in.shape[d] == shape[d]) continue;
        fits = fits && pre_.pad && shape[d] < in.shape[d];
        too_large = too_large || shape[d] > in.shape[d];
        shape[d] = in.shape[d];
    }
    const auto dim = [&](std::size_t d) { return fixed(d) ? std::to_string(in.shape[d]) : std::string("any"); };
    if (!fits)
        throw ShapeError("image is " + std::to_string(spec.height) + "x" + std::to_string(spec.width) +
                         " (HxW) but input '" + in.name + "' takes " + dim(2) + "x" + dim(3) +
                         (!pre_.pad ? "; choose padding (size_policy='pad') or resize the image"
                                    : too_large ? "; padding cannot shrink it" : ""));
    if (pre_.mean.size() != spec.channels || pre_.std.size() != spec.channels)
        throw ArgumentError("GPU pipeline: mean/std have " + std::to_string(pre_.mean.size()) + "/" +
                            std::to_string(pre_.std.size()) + " values for a " + std::to_string(spec.channels) +
                            "-channel image");
    backend_->set_input_shape(in.name, shape);
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        Tensor& t = tensors_[i];
        t.shape = i == input_ ? shape : backend_->output_shape(t.info.name);
        grow(t.buffer, byte_size(t.shape, t.info.dtype, t.info.name), "tensor '" + t.info.name + "'");
        backend_->set_tensor_address(t.info.name, t.buffer.data());
    }
    spec_ = spec;
    input_shape_ = shape;
    padded_ = shape[2] != static_cast<std::int64_t>(spec.height) || shape[3] != static_cast<std::int64_t>(spec.width);
    result_h_ = spec.height;
    result_w_ = spec.width;
}

ImageSpec GpuPipeline::resized_spec(const ImageSpec& spec, const std::optional<ResizeRequest>& resize) {
    resizing_ = resize.has_value();
    if (!resize) return spec;
    if (spec.type != DataType::kUInt8)
        throw DTypeError(std::string("GPU pipeline: the GPU resize takes uint8 images, got ") + dtype_name(spec.type) +
                         " (resize on the host)");
    const ResizeRequest& r = *resize;
    const std::vector<std::size_t> key{spec.height, spec.width, spec.channels, r.height, r.width, r.top, r.left,
                                       r.crop_height, r.crop_width, r.tall_vertical_first};
    if (key != resize_key_) {
        image::ResizePlan plan = image::plan_resize(spec.height, spec.width, spec.channels, r.height, r.width, {},
                                                    r.tall_vertical_first);
        plan = image::crop_resize_plan(std::move(plan), r.top, r.left, r.crop_height, r.crop_width);
        resize_key_.clear();  // until the tables are on the device
        resize_ = image::gpu::DeviceResize(std::move(plan), what());
        ++stats_.allocations;
        resize_key_ = key;
    }
    return {spec.type, r.crop_height, r.crop_width, spec.channels};
}

void GpuPipeline::segment(const void* image, const ImageSpec& spec, const SegmentRequest& request,
                          const std::optional<ResizeRequest>& resize) {
    if (request.labels && request.label_type != DataType::kInt64 && request.label_type != DataType::kInt32 &&
        request.label_type != DataType::kUInt8)
        throw DTypeError(std::string("GPU pipeline: labels must be int64, int32 or uint8, got ") +
                         dtype_name(request.label_type));
    ensure_cuda();
    if (request.palette && request.palette->colors() != palette_colors_) {
        palette_ = image::gpu::DevicePalette(*request.palette, what());
        palette_colors_ = request.palette->colors();
    }
    segment_ = request;
    const std::vector<std::uintptr_t> key{request.labels, static_cast<std::uintptr_t>(request.label_type),
                                          request.palette != nullptr,
                                          reinterpret_cast<std::uintptr_t>(palette_.data()), palette_.size()};
    run(image, spec, Task::kSegment, key, resize);
}

void GpuPipeline::classify(const void* image, const ImageSpec& spec, std::size_t k, bool softmax,
                           const std::optional<ResizeRequest>& resize) {
    if (k == 0) throw ArgumentError("GPU pipeline: k must be at least 1");
    k_ = k;
    softmax_ = softmax;
    run(image, spec, Task::kClassify, {k, softmax}, resize);
}

void GpuPipeline::segment(const ArrayView& image, const SegmentRequest& request,
                          const std::optional<ResizeRequest>& resize) {
    const ImageSpec spec = image_spec(image);
    if (image.producer_stream) wait_for(reinterpret_cast<cudaStream_t>(*image.producer_stream));
    segment(image.data, spec, request, resize);
}

void GpuPipeline::classify(const ArrayView& image, std::size_t k, bool softmax,
                           const std::optional<ResizeRequest>& resize) {
    const ImageSpec spec = image_spec(image);
    if (image.producer_stream) wait_for(reinterpret_cast<cudaStream_t>(*image.producer_stream));
    classify(image.data, spec, k, softmax, resize);
}

void GpuPipeline::run(const void* image, const ImageSpec& spec, Task task,
                      const std::vector<std::uintptr_t>& request_key, const std::optional<ResizeRequest>& resize) {
    if (image == nullptr) throw ArgumentError("GPU pipeline: image pointer is null");
    ensure_cuda();
    device_image_ = nullptr;
    if (spec.location == Location::kDevice) {
        const int device = cuda::pointer_device(image, "image"), ours = cuda::current_device(what());
        if (device != ours)
            throw ArgumentError("image: the CUDA array is on device " + std::to_string(device) + ", the " + what() +
                                " runs on device " + std::to_string(ours));
        device_image_ = image;
    } else if (image != image_host_.data()) {
        // The image into staging on the copy threads (runtime/staging.h): the upload only reads it.
        parallel_copy(copy_pool_, staging_, image_staging(spec), image, spec.bytes());
    } else if (image_host_.capacity() < spec.bytes()) {
        throw ArgumentError("GPU pipeline: the image is larger than the staging buffer it was written to");
    }
    const ImageSpec model_image = resized_spec(spec, resize);
    prepare(model_image);
    staged_ = spec;
    if (!device_image_) grow(image_device_, spec.bytes(), "image");
    if (resizing_) grow(resized_device_, model_image.bytes(), "resized image");
    // Per-task buffers, and the checks of the output that need its shape.
    const Tensor& out = tensors_[output_];
    const std::size_t pixels = model_image.height * model_image.width;
    if (task == Task::kSegment) {
        source_ = image::label_source(out.info.dtype, out.shape, "output '" + out.info.name + "'",
                                      static_cast<std::size_t>(input_shape_[2]),
                                      static_cast<std::size_t>(input_shape_[3]));
        const DataType type = source_.logits ? segment_.label_type : out.info.dtype;
        if (!source_.logits && type != DataType::kInt64 && type != DataType::kInt32 && type != DataType::kUInt8)
            throw FormatError("output '" + out.info.name + "' holds " + dtype_name(type) +
                              " labels; the GPU pipeline takes int64, int32 or uint8 ones (use device='cpu')");
        if (source_.logits && segment_.label_type == DataType::kUInt8 && source_.classes > 256)
            throw ArgumentError("GPU pipeline: " + std::to_string(source_.classes) +
                                " classes do not fit uint8 labels; use int32 or int64");
        segment_.label_type = type;
        // argmax writes the model's plane; with padding the image's h x w of it are copied out after it.
        const std::size_t plane = static_cast<std::size_t>(input_shape_[2] * input_shape_[3]);
        const std::size_t es = element_size(type);
        plane_offset_ = source_.logits && padded_ ? pixels * es : 0;
        grow(labels_device_, pixels * es + (source_.logits && padded_ ? plane * es : 0), "labels");
        if (segment_.labels) grow(labels_host_, pixels * es, "labels (host)");
        if (segment_.palette) {
            grow(colors_device_, pixels * 3, "colours");
            grow(colors_host_, pixels * 3, "colours (host)");
        }
    } else {
        const bool rank2 = out.shape.size() == 2;
        const bool rank4 = out.shape.size() == 4 && out.shape[2] == 1 && out.shape[3] == 1;
        if (!(rank2 || rank4) || !is_float(out.info.dtype))
            throw FormatError("output '" + out.info.name + "' is " + dtype_name(out.info.dtype) + " " +
                              to_string(out.shape) + "; a classifier needs float scores [N, K] or [N, K, 1, 1]");
        const auto classes = static_cast<std::size_t>(out.shape[1]);
        if (classes == 0) throw FormatError("output '" + out.info.name + "' has no classes");
        k_ = std::min(k_, classes);  // as the Classifier's top_k: at most every class
        classes_ = classes;
        const std::size_t topk_bytes = k_ * (sizeof(std::int64_t) + sizeof(float));
        grow(scores_host_, std::max(classes * element_size(out.info.dtype), topk_bytes), "scores (host)");
    }
    std::vector<std::uintptr_t> key{static_cast<std::uintptr_t>(task), static_cast<std::uintptr_t>(spec.type),
                                    spec.height, spec.width, spec.channels};
    key.insert(key.end(), request_key.begin(), request_key.end());
    for (auto d : input_shape_) key.push_back(static_cast<std::uintptr_t>(d));
    for (const auto& t : tensors_) key.push_back(reinterpret_cast<std::uintptr_t>(t.buffer.data()));
    key.push_back(padded_);
    key.push_back(zero_copy_);
    key.push_back(resizing_);
    key.push_back(reinterpret_cast<std::uintptr_t>(device_image_));
    if (resizing_) {
        key.insert(key.end(), resize_key_.begin(), resize_key_.end());
        for (const auto& t : resize_.tables()) key.push_back(reinterpret_cast<std::uintptr_t>(t.data.data()));
        key.push_back(reinterpret_cast<std::uintptr_t>(resize_.scratch()));
        key.push_back(reinterpret_cast<std::uintptr_t>(resized_device_.data()));
    }
    for (const void* p : {image_host_.data(), image_device_.data(), labels_device_.data(), labels_host_.data(),
                          colors_device_.data(), colors_host_.data(), scores_host_.data()})
        key.push_back(reinterpret_cast<std::uintptr_t>(p));

    const bool timed = stage_timing_;
    const bool use_graph = cuda_graph_ && !stats_.graph_disabled && !timed;
    cudaStream_t s = stream_.get();
    try {
        auto cached = std::find_if(graphs_.begin(), graphs_.end(), [&](const Graph& g) { return g.key == key; });
        if (use_graph && cached == graphs_.end()) {
            // New shapes or addresses: one plain run first (TensorRT too wants one before capture), capture next.
            if (graphs_.size() == kGraphs) graphs_.erase(graphs_.begin());
            graphs_.push_back({std::move(key), {}});
            enqueue(task, false);
        } else if (use_graph && !cached->graph.valid()) {
            std::string capture_error;
            try {
                cached->graph = cuda::CudaGraph::capture(s, [&] { enqueue(task, false); }, what());
                ++stats_.graph_captures;
            } catch (const Error& e) {
                capture_error = e.what();
            }
            if (cached->graph.valid()) {
                cached->graph.launch(s, what());
                ++stats_.graph_launches;
                std::rotate(cached, cached + 1, graphs_.end());  // most recently used last
            } else {
                // A sequence that runs plainly but cannot be captured: stop trying. One that fails plainly too
                // throws here, leaving graphs on for the next run.
                graphs_.clear();
                enqueue(task, false);
                stats_.graph_disabled = true;
                stats_.graph_error = capture_error;
            }
        } else if (use_graph) {
            cached->graph.launch(s, what());
            ++stats_.graph_launches;
            std::rotate(cached, cached + 1, graphs_.end());
        } else {
            enqueue(task, timed);
        }
        stats_.graphs = static_cast<long>(graphs_.size());
        cuda::check(cudaStreamSynchronize(s), what());
    } catch (const CudaError& e) {
        cuda::check_noexcept(cudaStreamSynchronize(s));  // nothing queued may still read buffers a retry regrows
        throw CudaError(std::string(e.what()) + " (queued: upload, normalize, model, " +
                        (task == Task::kSegment ? "argmax, colorize" : "scores") + ", download)");
    } catch (...) {
        cuda::check_noexcept(cudaStreamSynchronize(s));
        throw;
    }
    ++stats_.runs;
    stats_.resizes += resizing_;
    if (!device_image_) stats_.uploaded_bytes += static_cast<long long>(staged_.bytes());
    stats_.last = StageTimes{};
    if (timed) read_stage_times();
    if (task == Task::kSegment) {
        if (segment_.palette) id_check_->raise_if_bad(compact_labels(), segment_.label_type, palette_.size());
    } else {
        const auto classes = static_cast<std::size_t>(out.shape[1]);
        indices_.resize(k_);
        values_.resize(k_);
        if (!softmax_) {  // the GPU's top-k came down (pinned): exactly the CPU kernel's
            std::memcpy(indices_.data(), scores_host_.data(), k_ * sizeof(std::int64_t));
            std::memcpy(values_.data(), static_cast<const char*>(scores_host_.data()) + k_ * sizeof(std::int64_t),
                        k_ * sizeof(float));
            return;
        }
        // softmax: the row came down (K values), and the host kernels run on it, so that probabilities are the
        // CPU path's bit for bit (the GPU softmax is within 3 ulp of them, which could reorder near ties).
        probabilities_.resize(classes);
        image::softmax(scores_host_.data(), out.info.dtype, 1, classes, probabilities_.data());
        image::topk(probabilities_.data(), DataType::kFloat32, 1, classes, k_, indices_.data(), values_.data());
    }
}

void GpuPipeline::enqueue(Task task, bool timed) {
    cudaStream_t s = stream_.get();
    const auto mark = [&](int i) {
        if (timed) stages_[i].record(s, what());
    };
    mark(0);
    if (!zero_copy_ && !device_image_)
        cuda::copy_async(image_device_.data(), image_host_.data(), staged_.bytes(), cudaMemcpyHostToDevice, s,
                         what() + " image upload");
    mark(1);
    Tensor& in = tensors_[input_];
    image::gpu::Placement place{static_cast<std::size_t>(input_shape_[2]), static_cast<std::size_t>(input_shape_[3]),
                                0, 0};
    const void* image = device_image_ ? device_image_ : zero_copy_ ? image_host_.data() : image_device_.data();
    if (resizing_) {  // the first pass reads pinned memory over the bus when zero-copy
        auto* resized = static_cast<std::uint8_t*>(resized_device_.data());
        image::gpu::resize(static_cast<const std::uint8_t*>(image), resize_, resized, s);
        image = resized;
    }
    image::gpu::normalize(image, spec_.type, 1, spec_.height, spec_.width, spec_.channels, pre_.maxval,
                          pre_.mean.data(), pre_.std.data(), in.buffer.data(), in.info.dtype, s, place);
    mark(2);
    backend_->enqueue(s);
    mark(3);
    if (task == Task::kSegment) enqueue_segment_post();
    else enqueue_classify_post();
    mark(5);
}

const void* GpuPipeline::compact_labels() const {
    // Model labels at the image's size are used where they are; everything else is copied to the buffer's start.
    if (!source_.logits && !padded_) return tensors_[output_].buffer.data();
    return labels_device_.data();
}

void GpuPipeline::enqueue_segment_post() {
    cudaStream_t s = stream_.get();
    const Tensor& out = tensors_[output_];
    const std::size_t mh = static_cast<std::size_t>(input_shape_[2]), mw = static_cast<std::size_t>(input_shape_[3]);
    const std::size_t h = spec_.height, w = spec_.width, pixels = h * w;
    const DataType type = segment_.label_type;
    const std::size_t es = element_size(type);
    auto* compact = const_cast<void*>(compact_labels());
    // Labels over the model's plane (argmax's output, or the model's own), then the image's h x w of them.
    const void* full = out.buffer.data();
    if (source_.logits) {
        void* dst = static_cast<char*>(labels_device_.data()) + plane_offset_;
        image::gpu::argmax(out.buffer.data(), out.info.dtype, 1, source_.classes, mh, mw, dst, type, s);
        full = dst;
    }
    if (padded_)
        cuda::check(cudaMemcpy2DAsync(compact, w * es, full, mw * es, w * es, h, cudaMemcpyDeviceToDevice, s),
                    what() + " labels crop");
    void* colors = zero_copy_ ? colors_host_.data() : colors_device_.data();
    if (segment_.palette)
        image::gpu::colorize(compact, type, pixels, palette_, static_cast<std::uint8_t*>(colors), *id_check_, s);
    if (stage_timing_) stages_[4].record(s, what());
    if (segment_.labels)
        cuda::copy_async(labels_host_.data(), compact, pixels * es, cudaMemcpyDeviceToHost, s, what() + " labels");
    if (segment_.palette && !zero_copy_)
        cuda::copy_async(colors_host_.data(), colors_device_.data(), pixels * 3, cudaMemcpyDeviceToHost, s,
                         what() + " colours");
}

void GpuPipeline::enqueue_classify_post() {
    cudaStream_t s = stream_.get();
    const Tensor& out = tensors_[output_];
    if (stage_timing_) stages_[4].record(s, what());
    const auto classes = static_cast<std::size_t>(out.shape[1]);
    if (!softmax_) {  // top-k on the GPU, written straight into pinned memory: k indices, then k values
        auto* indices = static_cast<std::int64_t*>(scores_host_.data());
        auto* values = reinterpret_cast<float*>(indices + k_);
        image::gpu::topk(out.buffer.data(), out.info.dtype, 1, classes, k_, indices, values, s);
        return;
    }
    cuda::copy_async(scores_host_.data(), out.buffer.data(), classes * element_size(out.info.dtype),
                     cudaMemcpyDeviceToHost, s, what() + " scores");
}

void GpuPipeline::read_stage_times() {
    const auto ms = [&](int a, int b) { return cuda::Event::elapsed_ms(stages_[a], stages_[b], what()) * 1e-3; };
    stats_.last = StageTimes{ms(0, 1), ms(1, 2), ms(2, 3), ms(3, 4), ms(4, 5)};
}

}  // namespace trtcore::pipeline
