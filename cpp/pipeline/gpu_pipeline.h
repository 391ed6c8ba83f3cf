// Image in, result out on one CUDA stream, around any ExecutionBackend (a TensorRT execution context, or a test
// backend): the 8-bit (or 16-bit) image goes up, is normalized on the device straight into the model's input, the
// backend runs, and the output is reduced there (argmax and colorize for segmentation; softmax and top-k for
// classification); only the result comes down. For fixed shapes the whole sequence is one CUDA graph, captured on
// the second run with the same shapes and replayed from then on (as cpp/runtime's Executor does for enqueue).
//
// Buffers are the pipeline's own (device: image, model tensors, labels, colours; pinned host: image staging and
// results), allocated on first use and grown when a larger image comes. The per-pixel results (labels, colours)
// land in pinned buffers that can be lent to the caller (ResultBuffers): a numpy array over one holds it, and the
// pipeline writes the next results elsewhere, so a result needs no copy out of pinned memory and never changes
// under its holder. Not thread-safe: one pipeline per thread (each over its own backend).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/array.h"
#include "common/fields.h"
#include "cuda/buffer.h"
#include "cuda/graph.h"
#include "cuda/stream.h"
#include "image/cuda/colorize.h"
#include "image/cuda/resize.h"
#include "image/postprocess.h"
#include "runtime/backend.h"
#include "runtime/staging.h"

namespace trtcore::pipeline {

// An HWC image: uint8 or uint16 samples, C-contiguous, in host memory or already in device memory (a torch/cupy
// CUDA tensor: then nothing is uploaded, resize/normalize read it where it is).
struct ImageSpec {
    DataType type = DataType::kUInt8;
    std::size_t height = 0, width = 0, channels = 0;
    Location location = Location::kHost;
    std::size_t bytes() const;
};
// An image handed in from outside as an ImageSpec; DTypeError / ArgumentError / ShapeError naming "image".
ImageSpec image_spec(const ArrayView& image);

// How the image becomes the model's input: image::normalize's (value / maxval - mean) / std per channel. pad: an
// image smaller than a fixed-size input goes to its top-left corner, the rest is 0 (the mean colour), and
// per-pixel results are cropped back to the image.
struct Preprocess {
    std::vector<float> mean, std;
    float maxval = 255.0f;
    bool pad = false;
};

// A resize on the device before the normalization, for 8-bit images: Pillow's bilinear resize of the whole image to
// height x width (image::plan_resize, antialiased when shrinking), then the window of crop_height x crop_width at
// (top, left) of it (image::crop_resize_plan; torchvision's CenterCrop when centred). Bit-exact with the host's
// Pillow resize (pipelines/image_prep.py apply_resize) when tall_vertical_first matches the Pillow version
// (>= 12.2). The model then sees the crop; per-pixel results are at the crop's size.
struct ResizeRequest {
    std::size_t height = 0, width = 0;
    std::size_t top = 0, left = 0, crop_height = 0, crop_width = 0;
    bool tall_vertical_first = true;
};

// What a segmentation run brings back.
struct SegmentRequest {
    bool labels = true;                          // class ids [h, w] of label_type
    DataType label_type = DataType::kInt64;      // kInt64, kInt32 or kUInt8
    const image::Palette* palette = nullptr;     // non-null: also the colour image [h, w, 3] uint8
};

// Per-stage GPU time of the last plain run (set_stage_timing; -1 when not measured, e.g. a graph replay).
struct StageTimes {
    double upload = -1, preprocess = -1, model = -1, postprocess = -1, download = -1;
    Fields fields() const;  // by stage name (GpuPipeline.stats["stage_seconds"])
};

struct PipelineStats {
    long runs = 0;
    long graph_captures = 0;
    long graph_launches = 0;
    long allocations = 0;
    long resizes = 0;             // runs that resized the image on the device
    long long uploaded_bytes = 0;  // image bytes that came from host memory (0 for images already on the device)
    long graphs = 0;              // CUDA graphs held (one per set of shapes and addresses, up to kGraphs)
    bool graph_disabled = false;  // a capture failed where a plain run worked: this pipeline now runs plainly
    std::string graph_error;
    StageTimes last;
    Fields fields() const;  // the counters by name (GpuPipeline.stats, beside the last run's stage_seconds)
};

// Pinned buffers for one kind of per-pixel result, lent to whoever holds the result (a shared_ptr: the numpy array
// over it). Each run writes into a buffer nobody else holds, preferring the last one (its address, and so the CUDA
// graph that bakes it in, stays the same while results are dropped before the next run). At most kBuffers exist;
// lend() refuses when lending would leave none free for the next run (the caller copies the result out instead),
// so a caller that keeps every result gets copies, not an unbounded amount of pinned memory.
class ResultBuffers {
public:
    static constexpr std::size_t kBuffers = 3;
    // A free buffer of at least `bytes` for this run, which data() then returns; true when it allocated.
    bool prepare(std::size_t bytes, const std::string& what);
    void* data() const { return buffers_.empty() ? nullptr : buffers_[current_]->data(); }
    std::size_t capacity() const { return buffers_.empty() ? 0 : buffers_[current_]->capacity(); }
    // The buffer of this run for a result to hold, or nullptr when lending it would leave no free buffer.
    std::shared_ptr<cuda::PinnedBuffer> lend() const;

private:
    std::vector<std::shared_ptr<cuda::PinnedBuffer>> buffers_;
    std::size_t current_ = 0;
};

class GpuPipeline {
public:
    // input/output: the backend's image input and the output reduced (logits or labels for segmentation, scores
    // for classification). stream: a user's stream (borrowed), or nullopt for one of the pipeline's own. Makes no
    // CUDA call until the first run. ArgumentError naming the tensor when input/output are not the backend's.
    GpuPipeline(std::shared_ptr<ExecutionBackend> backend, std::string input, std::string output,
                Preprocess preprocess, std::optional<cudaStream_t> stream, bool cuda_graph);
    ~GpuPipeline();
    GpuPipeline(const GpuPipeline&) = delete;
    GpuPipeline& operator=(const GpuPipeline&) = delete;

    // The pinned staging buffer, grown to hold `image`: an image written there is uploaded without a host copy.
    void* image_staging(const ImageSpec& image);

    // Orders the next run after the work queued so far on `producer` (the stream a device image was written on).
    void wait_for(cudaStream_t producer);

    // One image (host memory: the staging buffer, or any other, copied into it; or device memory of the pipeline's
    // device, read in place: ArgumentError naming "image" for another device's) -> results in labels() / colors().
    // ShapeError naming the tensor when the image does not fit the model's input; ArgumentError for an id outside
    // the palette; CudaError naming the stages queued when the GPU fails.
    // resize: an 8-bit image resized (and cropped) on the device first; DTypeError for a 16-bit one.
    void segment(const void* image, const ImageSpec& spec, const SegmentRequest& request,
                 const std::optional<ResizeRequest>& resize = std::nullopt);
    // Classification: the model's scores [N, K] (or [N, K, 1, 1]) row 0, top min(k, K) (best first, image::topk's
    // order) into indices() / values(). Without softmax the top-k runs on the GPU and only it comes down; with it,
    // the row comes down and the host kernels run, so probabilities equal the CPU path's bit for bit.
    void classify(const void* image, const ImageSpec& spec, std::size_t k, bool softmax,
                  const std::optional<ResizeRequest>& resize = std::nullopt);
    // The same for an array handed in (image_spec's checks; a CUDA array's producer stream is waited on first).
    void segment(const ArrayView& image, const SegmentRequest& request, const std::optional<ResizeRequest>& resize);
    void classify(const ArrayView& image, std::size_t k, bool softmax, const std::optional<ResizeRequest>& resize);

    // Results of the last run, in pinned host memory: the next run overwrites them unless they were lent
    // (labels_buffers().lend(), colors_buffers().lend()).
    const void* labels() const { return labels_host_.data(); }
    const std::uint8_t* colors() const { return static_cast<const std::uint8_t*>(colors_host_.data()); }
    const ResultBuffers& labels_buffers() const { return labels_host_; }
    const ResultBuffers& colors_buffers() const { return colors_host_; }
    const std::int64_t* indices() const { return indices_.data(); }
    const float* values() const { return values_.data(); }
    std::size_t top_k() const { return k_; }             // k of the last classify, at most the class count
    std::size_t classes() const { return classes_; }     // the class count of the last classify
    DataType label_type() const { return segment_.label_type; }  // the labels' type (the model's own for label outputs)
    // The per-pixel results' size (the image's), and the model input shape of the last run.
    std::size_t result_height() const { return result_h_; }
    std::size_t result_width() const { return result_w_; }
    const Shape& input_shape() const { return input_shape_; }

    // A result copied out of its pinned buffer on the pipeline's copy threads (runtime/staging.h), where it cannot
    // be lent (ResultBuffers::lend) or the caller asks for a copy.
    void copy_out(void* dst, const void* src, std::size_t bytes) {
        parallel_copy(copy_pool_, staging_, dst, src, bytes);
    }

    cudaStream_t stream();
    void set_stage_timing(bool on) { stage_timing_ = on; }
    // Zero-copy transfers (the default): normalize reads the image straight from pinned host memory and colorize
    // writes the colour image straight into it, over the bus in whole lines, with no separate copy; off, both go
    // through cudaMemcpyAsync and device buffers. benchmarks/bench_pipeline.py measures both.
    void set_zero_copy(bool on) { zero_copy_ = on; }
    bool zero_copy() const { return zero_copy_; }
    PipelineStats stats() const { return stats_; }

private:
    struct Tensor {
        TensorInfo info;
        Shape shape;
        cuda::DeviceBuffer buffer;
    };
    enum class Task { kSegment, kClassify };
    void ensure_cuda();
    // Model input shape for the image (checks channels and fixed dims; pad policy), sets it and plans outputs.
    void prepare(const ImageSpec& spec);
    void grow(cuda::DeviceBuffer& b, std::size_t bytes, const std::string& what);
    void grow(cuda::PinnedBuffer& b, std::size_t bytes, const std::string& what);
    void grow(ResultBuffers& b, std::size_t bytes, const std::string& what);
    void run(const void* image, const ImageSpec& spec, Task task, const std::vector<std::uintptr_t>& request_key,
             const std::optional<ResizeRequest>& resize);
    // The image the model sees: `spec` itself, or its resize (planned, and its tables on the device, once per size).
    ImageSpec resized_spec(const ImageSpec& spec, const std::optional<ResizeRequest>& resize);
    // The queued sequence: upload, normalize, enqueue, post-processing, downloads (timed: stage events).
    void enqueue(Task task, bool timed);
    void enqueue_segment_post();
    void enqueue_classify_post();
    void read_stage_times();
    // Device labels at the image's size (h x w of label_type) for the last segment run.
    const void* compact_labels() const;
    std::string what() const;

    std::shared_ptr<ExecutionBackend> backend_;
    std::string input_name_, output_name_;
    Preprocess pre_;
    bool cuda_graph_ = false;
    std::optional<cudaStream_t> user_stream_;
    cuda::Stream stream_;  // destroyed after the buffers below: queued work may use them
    bool cuda_ready_ = false;
    std::vector<Tensor> tensors_;  // the backend's order
    std::size_t input_ = 0, output_ = 0;
    ImageSpec spec_;      // the image the model sees (after the resize)
    ImageSpec staged_;    // the image as handed in (uploaded)
    Shape input_shape_;
    std::size_t result_h_ = 0, result_w_ = 0;
    bool padded_ = false;            // the model's plane is larger than the image
    image::LabelSource source_;      // what the segmentation output holds
    std::size_t plane_offset_ = 0;   // bytes into labels_device_ where argmax writes the model's plane
    SegmentRequest segment_;
    std::size_t k_ = 0, classes_ = 0;
    bool softmax_ = false;
    cuda::PinnedBuffer image_host_;
    const void* device_image_ = nullptr;  // this run's image when it is already on the device
    cuda::Event producer_;
    cuda::DeviceBuffer image_device_, resized_device_, labels_device_, colors_device_;
    bool resizing_ = false;                // this run resizes on the device
    std::vector<std::size_t> resize_key_;  // what resize_ was planned for
    image::gpu::DeviceResize resize_;
    ResultBuffers labels_host_, colors_host_;
    cuda::PinnedBuffer scores_host_;
    std::vector<std::int64_t> indices_;
    std::vector<float> values_, probabilities_;
    image::gpu::DevicePalette palette_;
    std::vector<image::Color> palette_colors_;  // what palette_ holds
    std::unique_ptr<image::gpu::IdCheck> id_check_;
    // Graphs by the key of what they bake in (shapes, request, addresses), least recently used first. A key seen
    // once runs plainly; the second time it is captured; then replayed. Several, because lent result buffers make
    // the addresses alternate.
    struct Graph {
        std::vector<std::uintptr_t> key;
        cuda::CudaGraph graph;
    };
    static constexpr std::size_t kGraphs = 4;
    std::vector<Graph> graphs_;
    cuda::Event stages_[6];
    bool stage_timing_ = false;
    bool zero_copy_ = true;
    PipelineStats stats_;
    StagingPolicy staging_;
    CopyPool copy_pool_;  // the image into staging, results out of it
};

}  // namespace trtcore::pipeline
