// The DLPack exchange ABI (github.com/dmlc/dlpack, v0.8 "dltensor" capsules, which torch, cupy and jax all read
// and write), restated from the public spec rather than vendored, plus trtcore's dtype mapping to it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/tensor.h"
#include "common/array.h"

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
bool is_c_contiguous(const Shape& shape, const int64_t* strides);
// The same for strides in bytes (the CUDA Array Interface's) of elements of `type`.
bool is_c_contiguous_bytes(const Shape& shape, const std::vector<int64_t>& byte_strides, DataType type);

// A DLPack tensor fed as input `name` (ArrayView::type names a DLPack type trtcore does not know). ArgumentError
// for a malformed tensor (negative ndim, or no shape array for ndim > 0).
NamedArray read(const std::string& name, const DLTensor& t);

// The fields of a __cuda_array_interface__ (v3) dict that trtcore reads.
struct CudaArrayInterface {
    std::string typestr;
    Shape shape;
    std::uintptr_t data = 0;
    std::optional<std::uintptr_t> stream;         // None: no synchronisation needed
    std::optional<std::vector<int64_t>> strides;  // in bytes; None: C order
    bool masked = false;                          // a "mask" was given
};
// A CUDA array fed as input `name`; ArgumentError for masked arrays.
NamedArray read_cuda_array(const std::string& name, const CudaArrayInterface& cai);

// Calls the tensor's own deleter: the one way a DLManagedTensor is given back.
struct ManagedTensorDeleter {
    void operator()(DLManagedTensor* t) const {
        if (t != nullptr && t->deleter != nullptr) t->deleter(t);
    }
};
using ManagedTensorPtr = std::unique_ptr<DLManagedTensor, ManagedTensorDeleter>;

// A C-contiguous DLPack tensor over `data` on CUDA device `device`, keeping `owner` (what owns `data`) alive until
// its deleter runs. DTypeError when DLPack cannot name `type` (fp8, int4, fp4).
ManagedTensorPtr export_cuda(std::shared_ptr<const void> owner, void* data, const Shape& shape, DataType type,
                             int device);

}  // namespace trtcore::dlpack
