// libFuzzer harness for what trtcore reads off a fed array before touching its memory: DLPack tensors
// (cpp/runtime/dlpack.cpp read, is_c_contiguous), CUDA Array Interface descriptions (read_cuda_array,
// is_c_contiguous_bytes, the typestr table), the one feed validator and its policy (cpp/runtime/validate.cpp
// check_feed), planning over the identity backend (plan.cpp make_plan: byte sizes) and
// the array checks (cpp/common/array.cpp). The bindings only copy these fields out of the Python objects.
//
// The input is decoded into a model's declared inputs and a feed of DLPack / CUDA-array descriptions, with every
// field a hostile producer controls (ndim, shape, strides, type code/bits/lanes, typestr, device type).
// Property: every call returns or throws a trtcore::Error; nothing crashes, reads out of bounds or overflows
// (ASan/UBSan), and what export_cuda describes reads back as the same dtype and shape.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/array.h"
#include "common/error.h"
#include "runtime/dlpack.h"
#include "runtime/plan.h"
#include "runtime/testing_backend.h"
#include "runtime/validate.h"

namespace {
using namespace trtcore;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "property violated: %s\n", what.c_str());
    std::abort();
}

// Extents as producers write them: mostly small, sometimes -1, 0 or anything at all.
int64_t extent(FuzzedDataProvider& in) {
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0: return -1;
        case 1: return 0;
        case 2: return in.ConsumeIntegral<int64_t>();
        case 3: return int64_t{1} << in.ConsumeIntegralInRange<int>(0, 62);
        default: return in.ConsumeIntegralInRange<int64_t>(1, 8);
    }
}

Shape shape(FuzzedDataProvider& in, std::size_t rank) {
    Shape s;
    for (std::size_t i = 0; i < rank; ++i) s.push_back(extent(in));
    return s;
}

DataType any_dtype(FuzzedDataProvider& in) {
    return static_cast<DataType>(in.ConsumeIntegralInRange<std::size_t>(0, dtype_table().size() - 1));
}

TensorInfo declared_input(FuzzedDataProvider& in, std::size_t i) {
    TensorInfo t;
    t.name = in.ConsumeBool() ? "x" + std::to_string(i) : in.ConsumeRandomLengthString(8);
    t.io = TensorIO::kInput;
    t.dtype = any_dtype(in);
    const auto rank = in.ConsumeIntegralInRange<std::size_t>(0, 5);
    t.shape = shape(in, rank);
    if (in.ConsumeBool()) {
        for (std::size_t d = 0; d < rank; ++d) t.dim_names.push_back(in.ConsumeBool() ? "batch" : "");
    }
    const auto profiles = in.ConsumeIntegralInRange<int>(0, 2);
    for (int p = 0; p < profiles; ++p) {
        const auto prank = in.ConsumeBool() ? rank : in.ConsumeIntegralInRange<std::size_t>(0, 5);
        t.profiles.push_back({shape(in, prank), shape(in, prank), shape(in, prank)});
    }
    return t;
}

// A DLTensor as a producer hands it over: ndim and the arrays it points to are the producer's word.
NamedArray dlpack_input(FuzzedDataProvider& in, const std::string& name) {
    const auto ndim = in.ConsumeIntegralInRange<int32_t>(-3, 8);
    std::vector<int64_t> extents, strides;
    for (int32_t d = 0; d < ndim; ++d) extents.push_back(extent(in));
    const bool has_strides = in.ConsumeBool();
    for (int32_t d = 0; has_strides && d < ndim; ++d) strides.push_back(extent(in));
    dlpack::DLTensor t{};
    static char storage[16];
    t.data = storage;
    t.device = {in.ConsumeIntegralInRange<int32_t>(0, 16), in.ConsumeIntegral<int8_t>()};
    t.ndim = ndim;
    t.dtype = {in.ConsumeIntegral<uint8_t>(), in.ConsumeIntegral<uint8_t>(),
               static_cast<uint16_t>(in.ConsumeBool() ? 1 : in.ConsumeIntegral<uint16_t>())};
    t.shape = extents.empty() && in.ConsumeBool() ? nullptr : extents.data();
    t.strides = has_strides ? strides.data() : nullptr;
    t.byte_offset = in.ConsumeIntegral<uint8_t>();
    return dlpack::read(name, t);
}

// A __cuda_array_interface__ dict: typestr, shape and byte strides as given.
NamedArray cuda_array_input(FuzzedDataProvider& in, const std::string& name) {
    dlpack::CudaArrayInterface cai;
    cai.typestr = in.ConsumeRandomLengthString(6);
    cai.shape = shape(in, in.ConsumeIntegralInRange<std::size_t>(0, 6));
    if (dtype_from_typestr(cai.typestr) && in.ConsumeBool()) {
        std::vector<int64_t> byte_strides;
        const auto n = in.ConsumeBool() ? cai.shape.size() : in.ConsumeIntegralInRange<std::size_t>(0, 6);
        for (std::size_t d = 0; d < n; ++d) byte_strides.push_back(extent(in));
        cai.strides = byte_strides;
    }
    return dlpack::read_cuda_array(name, cai);
}

void check_export_roundtrip(const NamedArray& fed) {
    const ArrayView& spec = fed.array;
    if (!spec.dtype) return;
    static char storage[16];
    std::shared_ptr<const void> owner(storage, [](const void*) {});
    dlpack::ManagedTensorPtr managed;
    try {
        managed = dlpack::export_cuda(owner, storage, spec.shape, *spec.dtype, 0);
    } catch (const DTypeError&) {
        if (dlpack::to_dlpack(*spec.dtype)) fail("export_cuda refused a type DLPack can name");
        return;
    }
    const ArrayView back = dlpack::read(fed.name, managed->dl_tensor).array;
    if (back.dtype != spec.dtype || back.shape != spec.shape || back.location != Location::kDevice)
        fail("export_cuda → read changed the dtype, shape or location");
}

void check_feed_all(FuzzedDataProvider& in) {
    std::vector<TensorInfo> inputs;
    const auto n_inputs = in.ConsumeIntegralInRange<std::size_t>(1, 3);
    for (std::size_t i = 0; i < n_inputs; ++i) inputs.push_back(declared_input(in, i));

    std::vector<NamedArray> fed;
    const auto n_fed = in.ConsumeIntegralInRange<std::size_t>(0, 4);
    for (std::size_t i = 0; i < n_fed; ++i) {
        const std::string name = in.ConsumeBool() && i < inputs.size() ? inputs[i].name : in.ConsumeRandomLengthString(8);
        try {
            fed.push_back(in.ConsumeBool() ? dlpack_input(in, name) : cuda_array_input(in, name));
        } catch (const ArgumentError&) {
            continue;  // an unreadable description (e.g. a negative ndim) is refused before anything else
        }
    }
    const std::vector<NamedArray>& specs = fed;
    for (const auto& f : fed) {
        check_export_roundtrip(f);
        ArrayView view = f.array;
        view.writeable = in.ConsumeBool();
        try {
            check_array(view, f.name, {DataType::kUInt8, DataType::kFloat32}, in.ConsumeBool());
            check_shape(view, f.name, inputs.front().shape);
        } catch (const ArgumentError&) {
        }
    }
    const bool cast = in.ConsumeBool();
    std::optional<std::size_t> profile;
    if (in.ConsumeBool()) profile = in.ConsumeIntegralInRange<std::size_t>(0, 3);
    try {
        const auto to_cast = check_feed(inputs, specs, FeedCheck{cast, profile});
        for (const auto i : to_cast) {
            if (i >= specs.size() || !cast || specs[i].array.location != Location::kHost) fail("check_feed cast list");
        }
    } catch (const ArgumentError&) {
    }
    // The executor's planning, over the identity backend (each output copies one input).
    try {
        std::vector<testing::IdentityOutput> outputs;
        for (const auto& t : inputs) {
            TensorInfo out = t;
            out.name = "out_" + t.name;
            out.profiles.clear();
            outputs.push_back({out, t.name});
        }
        testing::IdentityBackend backend(inputs, outputs);
        const Plan plan = make_plan(backend, specs);
        for (const auto& t : plan.tensors) {
            if (t.bytes != byte_size(t.shape, t.dtype, t.name)) fail("plan byte size");
        }
    } catch (const ArgumentError&) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    try {
        check_feed_all(in);
    } catch (const Error&) {
        // Other trtcore errors (FormatError...) are allowed too; std:: exceptions and crashes are not.
    }
    return 0;
}
