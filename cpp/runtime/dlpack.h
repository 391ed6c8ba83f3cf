// The DLPack exchange ABI (github.com/dmlc/dlpack, v0.8 "dltensor" capsules, which torch, cupy and jax all read
// and write), restated from the public spec rather than vendored, plus trtcore's dtype mapping to it.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/tensor.h"

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

// nullopt for element types DLPack v0.8 cannot name (fp8, int4, fp4).
inline std::optional<DLDataType> to_dlpack(DataType type) {
    switch (type) {
        case DataType::kFloat32: return DLDataType{kDLFloat, 32, 1};
        case DataType::kFloat16: return DLDataType{kDLFloat, 16, 1};
        case DataType::kBFloat16: return DLDataType{kDLBfloat, 16, 1};
        case DataType::kInt8: return DLDataType{kDLInt, 8, 1};
        case DataType::kUInt8: return DLDataType{kDLUInt, 8, 1};
        case DataType::kInt32: return DLDataType{kDLInt, 32, 1};
        case DataType::kInt64: return DLDataType{kDLInt, 64, 1};
        case DataType::kBool: return DLDataType{kDLBool, 8, 1};
        default: return std::nullopt;
    }
}

inline std::optional<DataType> from_dlpack(DLDataType t) {
    if (t.lanes != 1) return std::nullopt;
    for (auto type : {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16, DataType::kInt8, DataType::kUInt8,
                      DataType::kInt32, DataType::kInt64, DataType::kBool}) {
        const auto d = to_dlpack(type);
        if (d->code == t.code && d->bits == t.bits) return type;
    }
    return std::nullopt;
}

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
