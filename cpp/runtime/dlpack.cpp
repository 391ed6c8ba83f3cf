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

NamedArray read(const std::string& name, const DLTensor& t) {
    // The producer's word: a negative ndim, or extents promised but not given, would be read as a huge range.
    if (t.ndim < 0 || (t.ndim > 0 && t.shape == nullptr)) {
        throw ArgumentError("input '" + name + "': the DLPack tensor is malformed (ndim " + std::to_string(t.ndim) +
                            (t.shape == nullptr ? ", no shape" : "") + ")");
    }
    const auto type = t.device.device_type;
    ArrayView a;
    a.dtype = from_dlpack(t.dtype);
    a.type = a.dtype ? dtype_name(*a.dtype)
                     : "DLPack type (code " + std::to_string(t.dtype.code) + ", " + std::to_string(t.dtype.bits) +
                           " bits, " + std::to_string(t.dtype.lanes) + " lanes)";
    a.shape = Shape(t.shape, t.shape + t.ndim);
    a.location = type == kDLCUDA || type == kDLCUDAManaged ? Location::kDevice : Location::kHost;
    a.data = static_cast<char*>(t.data) + t.byte_offset;
    a.c_contiguous = is_c_contiguous(a.shape, t.strides);
    if (!a.c_contiguous) a.strides = to_string(Shape(t.strides, t.strides + t.ndim));
    return {name, a};
}

NamedArray read_cuda_array(const std::string& name, const CudaArrayInterface& cai) {
    if (cai.masked) throw ArgumentError("input '" + name + "': masked CUDA arrays are not supported");
    ArrayView a;
    a.dtype = dtype_from_typestr(cai.typestr);
    a.type = a.dtype ? dtype_name(*a.dtype) : "typestr '" + cai.typestr + "'";
    a.shape = cai.shape;
    a.location = Location::kDevice;
    a.data = reinterpret_cast<void*>(cai.data);
    if (cai.stream && *cai.stream != 0) a.producer_stream = cai.stream;
    if (a.dtype && cai.strides) {
        a.c_contiguous = is_c_contiguous_bytes(a.shape, *cai.strides, *a.dtype);
        a.strides = shape_tuple_str(*cai.strides);
    }
    return {name, a};
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
