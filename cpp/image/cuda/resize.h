// GPU bilinear resize of 8-bit HWC images: cpp/image/resize.h's plan (Pillow's passes, taps and fixed-point
// weights, computed on the host) run by one kernel per pass in the same integer arithmetic, so results are
// bit-identical to the CPU resize and to Pillow's Image.resize(size, BILINEAR, box). Queued on a caller's stream;
// nothing synchronises.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cuda/buffer.h"
#include "image/resize.h"

namespace trtcore::image::gpu {

// A plan's tables copied to the device once (synchronously, like DevicePalette), and the scratch image between
// its two passes. One resize at a time per DeviceResize (the scratch is shared): a stream orders that.
class DeviceResize {
public:
    DeviceResize() = default;
    DeviceResize(ResizePlan plan, const std::string& what);
    const ResizePlan& plan() const { return plan_; }

    struct Tables {
        cuda::DeviceBuffer data;  // first[out], count[out], weights[out * taps], int32
        const std::int32_t* first() const { return static_cast<const std::int32_t*>(data.data()); }
    };
    const std::vector<Tables>& tables() const { return tables_; }
    std::uint8_t* scratch() const { return static_cast<std::uint8_t*>(scratch_.data()); }

private:
    ResizePlan plan_;
    std::vector<Tables> tables_;  // one per pass
    cuda::DeviceBuffer scratch_;
};

// src: the plan's height x width x channels uint8 image in device memory or pinned host memory (the first pass
// reads it over the bus); dst: out_height x out_width x channels uint8 in device memory (or pinned host memory,
// written over the bus). Throws ArgumentError for null pointers.
void resize(const std::uint8_t* src, const DeviceResize& resize, std::uint8_t* dst, cudaStream_t stream);

}  // namespace trtcore::image::gpu
