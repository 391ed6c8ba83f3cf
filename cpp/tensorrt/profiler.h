// Per-layer times of an engine's runs, collected through TensorRT's IProfiler (what trtexec's --dumpProfile and
// --exportProfile report). A public header of the TensorRT layer: it compiles without TensorRT's headers.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace trtcore::trt {

// One layer's time in each profiled run, in milliseconds.
struct LayerTimes {
    std::string name;
    std::vector<float> ms;
};

// Attach to a Context (Context::set_profiler); TensorRT then reports every layer's time after each enqueue.
// Layers are kept in the order TensorRT reports them, one entry per position in a run, and a run starts when the
// first layer's name comes again (trtexec's rule). Thread-safe: TensorRT reports on the enqueuing thread.
class LayerProfiler {
public:
    LayerProfiler();
    LayerProfiler(const LayerProfiler&) = delete;
    LayerProfiler& operator=(const LayerProfiler&) = delete;
    ~LayerProfiler();

    // What TensorRT's IProfiler::reportLayerTime forwards: `layer` took `ms` milliseconds in the current run.
    void report(const char* layer, float ms);
    std::vector<LayerTimes> layers() const;
    std::int64_t runs() const;
    void reset();
    // The nvinfer1::IProfiler* that TensorRT calls (an opaque pointer outside the TensorRT layer).
    void* native() const;

private:
    struct Native;  // the IProfiler (profiler.cpp)

    std::unique_ptr<Native> native_;
    mutable std::mutex mutex_;
    std::vector<LayerTimes> layers_;
    std::size_t next_ = 0;  // position in the current run
    std::int64_t runs_ = 0;
};

}  // namespace trtcore::trt
