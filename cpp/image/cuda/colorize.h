// GPU colorize: class ids -> RGB through a palette held on the device, queued on a caller's stream. Same checks
// and colours as cpp/image/postprocess.h's colorize (bit-exact). An id outside the palette cannot throw from a
// kernel: the kernel writes black there and records the first such pixel in an IdCheck, which the caller reads
// after synchronising (IdCheck::raise_if_bad throws the CPU kernel's error, naming the id and the pixel).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/tensor.h"
#include "cuda/buffer.h"
#include "image/postprocess.h"

namespace trtcore::image::gpu {

// A palette's packed colours (image::Palette::packed) copied to the device once.
class DevicePalette {
public:
    DevicePalette() = default;
    DevicePalette(const Palette& palette, const std::string& what);
    const std::uint32_t* data() const { return static_cast<const std::uint32_t*>(colors_.data()); }
    std::size_t size() const { return size_; }

private:
    cuda::DeviceBuffer colors_;
    std::size_t size_ = 0;
};

// The first pixel index whose id was outside the palette: a device word the kernel lowers (atomicMin), reset
// before and copied to pinned host memory after each colorize, on the same stream.
class IdCheck {
public:
    explicit IdCheck(const std::string& what);
    void reset(cudaStream_t stream);
    void fetch(cudaStream_t stream);
    unsigned long long* device_slot() const { return static_cast<unsigned long long*>(slot_.data()); }
    // After the stream is synchronised: throws ArgumentError (image::id_outside) when a bad id was seen. Reads the
    // id from `labels` (device or host memory of label_type) at the recorded index.
    void raise_if_bad(const void* labels, DataType label_type, std::size_t palette_size) const;

private:
    cuda::DeviceBuffer slot_;
    cuda::PinnedBuffer host_;
};

// labels: `count` ids (kInt64, kInt32 or kUInt8) in device memory; rgb_out: 3 * count bytes in device memory or
// pinned host memory (written over the bus: colorize and download in one pass). Throws what check_colorize throws.
void colorize(const void* labels, DataType label_type, std::size_t count, const DevicePalette& palette,
              std::uint8_t* rgb_out, IdCheck& check, cudaStream_t stream);

}  // namespace trtcore::image::gpu
