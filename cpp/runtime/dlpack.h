// The DLPack exchange ABI (github.com/dmlc/dlpack, v0.8 "dltensor" capsules, which torch, cupy and jax all read
// and write), restated from the public spec rather than vendored, plus trtcore's dtype mapping to it.
#pragma once

#include <cstdint>
#include <optional>

#include "common/tensor.h"

namespace trtcore::dlpack {

enum DeviceType : int32_t { kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3, kDLCUDAManaged = 13 };
enum TypeCode : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4, kDLBool = 6 };

struct DLDevice {
    int32_t device_type;
    int32_t device_id;
};

struct DLDataType {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
};

struct DLTensor {
    void* data;
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t* shape;
    int64_t* strides;  // in elements; nullptr means compact C order
    uint64_t byte_offset;
};

struct DLManagedTensor {
    DLTensor dl_tensor;
    void* manager_ctx;
    void (*deleter)(DLManagedTensor* self);
};

// From the one dtype table (common/tensor.h); nullopt for types DLPack v0.8 cannot name (fp8, int4, fp4).
inline std::optional<DLDataType> to_dlpack(DataType type) {
    const auto& row = dtype_info(type);
    if (row.dlpack_code < 0) return std::nullopt;
    return DLDataType{static_cast<uint8_t>(row.dlpack_code), static_cast<uint8_t>(row.bits), 1};
}

inline std::optional<DataType> from_dlpack(DLDataType t) { return dtype_from_dlpack(t.code, t.bits, t.lanes); }

// C-contiguous check for strides in elements (extent-1 dimensions may carry any stride, as numpy allows).
inline bool is_c_contiguous(const Shape& shape, const int64_t* strides) {
    if (strides == nullptr) return true;
    int64_t expected = 1;
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (shape[d] != 1 && strides[d] != expected) return false;
        expected *= shape[d];
    }
    return true;
}

}  // namespace trtcore::dlpack
