#include "tensorrt/profiler.h"

#include <NvInfer.h>

namespace trtcore::trt {

struct LayerProfiler::Native : nvinfer1::IProfiler {
    explicit Native(LayerProfiler& owner) : owner(owner) {}
    // noexcept, as TensorRT requires: nothing may leave a callback into TensorRT. report() only allocates; out of
    // memory loses this one sample rather than ending the process.
    void reportLayerTime(const char* layer_name, float ms) noexcept override {
        try {
            owner.report(layer_name ? layer_name : "", ms);
        } catch (...) {
        }
    }
    LayerProfiler& owner;
};

LayerProfiler::LayerProfiler() : native_(std::make_unique<Native>(*this)) {}

LayerProfiler::~LayerProfiler() = default;

void LayerProfiler::report(const char* layer, float ms) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (next_ >= layers_.size()) {  // past the layers seen so far: a new run, or a layer not seen before
        const bool again = !layers_.empty() && layers_.front().name == layer;
        if (layers_.empty() || again) ++runs_;
        if (again) {
            next_ = 0;
        } else {
            layers_.push_back(LayerTimes{layer, {}});
            next_ = layers_.size() - 1;
        }
    }
    layers_[next_].ms.push_back(ms);
    ++next_;
}

std::vector<LayerTimes> LayerProfiler::layers() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return layers_;
}

std::int64_t LayerProfiler::runs() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return runs_;
}

void LayerProfiler::reset() {
    const std::lock_guard<std::mutex> lock(mutex_);
    layers_.clear();
    next_ = 0;
    runs_ = 0;
}

void* LayerProfiler::native() const {
    return static_cast<nvinfer1::IProfiler*>(native_.get());
}

}  // namespace trtcore::trt
