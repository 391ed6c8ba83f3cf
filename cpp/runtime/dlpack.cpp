// See dlpack.h.
#include "runtime/dlpack.h"

#include <algorithm>

#include "common/array.h"
#include "common/error.h"

namespace trtcore::dlpack {

bool is_c_contiguous(const Shape& shape, const int64_t* strides) {
    if (strides == nullptr) return true;
    int64_t expected = 1;
    bool representable = true;  // the extents come from the producer: their product may not fit in 64 bits
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (shape[d] != 1 && (!representable || strides[d] != expected)) return false;
        representable = representable && !__builtin_mul_overflow(expected, shape[d], &expected);
    }
    return true;
}

bool is_c_contiguous_bytes(const Shape& shape, const std::vector<int64_t>& byte_strides, DataType type) {
    const auto item = static_cast<int64_t>(std::max<std::size_t>(element_bits(type) / 8, 1));
    std::vector<int64_t> elements;
    for (auto b : byte_strides) elements.push_back(b % item == 0 ? b / item : -1);
    return elements.size() == shape.size() && is_c_contiguous(shape, elements.data());
}

FedInput read(const std::string& name, const DLTensor& t) {
    // The producer's word: a negative ndim, or extents promised but not given, would be read as a huge range.
    if (t.ndim < 0 || (t.ndim > 0 && t.shape == nullptr)) {
        throw ArgumentError("input '" + name + "': the DLPack tensor is malformed (ndim " + std::to_string(t.ndim) +
                            (t.shape == nullptr ? ", no shape" : "") + ")");
    }
    const auto type = t.device.device_type;
    const bool device = type == kDLCUDA || type == kDLCUDAManaged;
    FedInput fed;
    fed.spec = {name, from_dlpack(t.dtype), Shape(t.shape, t.shape + t.ndim),
                device ? Location::kDevice : Location::kHost, ""};
    fed.data = static_cast<const char*>(t.data) + t.byte_offset;
    if (!fed.spec.dtype) {
        fed.spec.type = "DLPack type (code " + std::to_string(t.dtype.code) + ", " + std::to_string(t.dtype.bits) +
                        " bits, " + std::to_string(t.dtype.lanes) + " lanes)";
    }
    fed.contiguous = is_c_contiguous(fed.spec.shape, t.strides);
    if (!fed.contiguous) fed.strides = to_string(Shape(t.strides, t.strides + t.ndim));
    return fed;
}

FedInput read_cuda_array(const std::string& name, const CudaArrayInterface& cai) {
    FedInput fed;
    fed.spec = {name, dtype_from_typestr(cai.typestr), cai.shape, Location::kDevice, ""};
    fed.data = reinterpret_cast<const void*>(cai.data);
    if (!fed.spec.dtype) fed.spec.type = "typestr '" + cai.typestr + "'";
    if (cai.masked) throw ArgumentError("input '" + name + "': masked CUDA arrays are not supported");
    if (cai.stream && *cai.stream != 0) fed.producer_stream = cai.stream;
    if (fed.spec.dtype && cai.strides) {
        fed.contiguous = is_c_contiguous_bytes(fed.spec.shape, *cai.strides, *fed.spec.dtype);
        fed.strides = shape_tuple_str(*cai.strides);
    }
    return fed;
}

namespace {
// The DLManagedTensor and what its DLTensor points into.
struct Export {
    DLManagedTensor managed{};
    std::shared_ptr<const void> owner;
    Shape shape;
};

void delete_export(DLManagedTensor* t) { std::unique_ptr<Export> owner(static_cast<Export*>(t->manager_ctx)); }
}  // namespace

ManagedTensorPtr export_cuda(std::shared_ptr<const void> owner, void* data, const Shape& shape, DataType type,
                             int device) {
    const auto code = to_dlpack(type);
    if (!code) throw DTypeError(std::string("DLPack cannot describe ") + dtype_name(type) + " tensors");
    auto ctx = std::make_unique<Export>();
    ctx->owner = std::move(owner);
    ctx->shape = shape;
    ctx->managed.dl_tensor = {data, {kDLCUDA, device}, static_cast<int32_t>(shape.size()), *code,
                              ctx->shape.data(), nullptr, 0};
    ctx->managed.manager_ctx = ctx.get();
    ctx->managed.deleter = delete_export;
    return ManagedTensorPtr(&ctx.release()->managed);  // the deleter frees the Export from here on
}

}  // namespace trtcore::dlpack
