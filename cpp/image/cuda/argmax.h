// GPU argmax over the class axis: cpp/image/postprocess.h's argmax on device memory, queued on a caller's stream.
// Same arguments, checks and answer (numpy's rules: the first maximum wins ties, the first NaN wins), bit-exact.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "common/tensor.h"

namespace trtcore::image::gpu {

// logits: n x c x h x w (kFloat32/kFloat16) in device memory; labels_out: n x h x w of label_type (kInt64, kInt32,
// kUInt8) in device memory or pinned host memory (written over the bus). Throws what image::check_argmax throws.
void argmax(const void* logits, DataType logits_type, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
            void* labels_out, DataType label_type, cudaStream_t stream);

}  // namespace trtcore::image::gpu
