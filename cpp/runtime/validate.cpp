#include "runtime/validate.h"

#include <algorithm>
#include <map>
#include <utility>

#include "common/error.h"

namespace trtcore {

namespace {
std::string describe(const TensorInfo& t) {
    return "'" + t.name + "' (" + dtype_name(t.dtype) + " " + to_string(t.shape) + ")";
}

std::string given_type(const ArrayView& a) {
    const std::string type = a.dtype ? dtype_name(*a.dtype) : a.type;
    return a.location == Location::kDevice ? type + " in device memory" : type;
}

[[noreturn]] void wrong_dtype(const TensorInfo& info, const ArrayView& spec, bool cast) {
    const std::string want = dtype_name(info.dtype);
    std::string message = "input '" + info.name + "': expected " + want + ", got " + given_type(spec) + "; ";
    if (spec.location == Location::kDevice) {
        message += std::string(cast ? "cast=True converts host arrays only: " : "") +
                   "convert it on the device (torch: .to(torch." + want + "), cupy: .astype(cupy." + want + "))";
    } else if (!spec.dtype) {
        message += "convert with .astype(np." + want + ")";
    } else {
        message += "convert with .astype(np." + want + ") or pass cast=True";
    }
    throw DTypeError(message);
}

void check_profile(const TensorInfo& info, const Shape& shape, std::size_t profile) {
    if (info.profiles.empty()) return;
    if (profile >= info.profiles.size()) {
        throw ArgumentError("input '" + info.name + "': no optimization profile " + std::to_string(profile) +
                            " (there are " + std::to_string(info.profiles.size()) + ")");
    }
    const auto& p = info.profiles[profile];
    for (std::size_t d = 0; d < shape.size() && d < p.min.size() && d < p.max.size(); ++d) {
        if (shape[d] < p.min[d] || shape[d] > p.max[d]) {
            throw ShapeError("input '" + info.name + "': shape " + to_string(shape) + " is outside optimization profile " +
                             std::to_string(profile) + " (dimension " + std::to_string(d) + " must be in [" +
                             std::to_string(p.min[d]) + ", " + std::to_string(p.max[d]) + "]; min " +
                             to_string(p.min) + ", max " + to_string(p.max) + ")");
        }
    }
}
}  // namespace

std::string describe_tensors(const std::vector<TensorInfo>& tensors, TensorIO io) {
    std::string out;
    for (const auto& t : tensors) {
        if (t.io != io) continue;
        out += (out.empty() ? "" : ", ") + describe(t);
    }
    return out.empty() ? "none" : out;
}

const TensorInfo& find_tensor(const std::vector<TensorInfo>& tensors, const std::string& name) {
    for (const auto& t : tensors) {
        if (t.name == name) return t;
    }
    throw ArgumentError("unknown tensor '" + name + "'; the inputs are: " + describe_tensors(tensors, TensorIO::kInput) +
                        "; the outputs are: " + describe_tensors(tensors, TensorIO::kOutput));
}

void check_input_shape(const TensorInfo& info, const Shape& shape) {
    const std::string what = "input '" + info.name + "'";
    if (shape.size() != info.shape.size()) {
        throw ShapeError(what + ": expected " + std::to_string(info.shape.size()) + " dimensions " +
                         to_string(info.shape) + ", got " + std::to_string(shape.size()) + " " + to_string(shape));
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] < 0) throw ShapeError(what + ": negative extent in shape " + to_string(shape));
        if (info.shape[d] >= 0 && shape[d] != info.shape[d]) {
            throw ShapeError(what + ": dimension " + std::to_string(d) + " must be " + std::to_string(info.shape[d]) +
                             " (declared " + to_string(info.shape) + "), got " + to_string(shape));
        }
    }
}

std::vector<std::size_t> check_feed(const std::vector<TensorInfo>& tensors, const std::vector<NamedArray>& feed,
                                    const FeedCheck& options) {
    const std::string inputs = "; the inputs are: ";
    // Names first, so a typo is reported as a typo rather than as a missing input.
    std::vector<const TensorInfo*> declared(feed.size(), nullptr);
    for (std::size_t i = 0; i < feed.size(); ++i) {
        const std::string& name = feed[i].name;
        const auto it =
            std::find_if(tensors.begin(), tensors.end(), [&](const TensorInfo& t) { return t.name == name; });
        if (it == tensors.end()) {
            throw ArgumentError("unknown input '" + name + "'" + inputs + describe_tensors(tensors, TensorIO::kInput));
        }
        if (it->io != TensorIO::kInput) {
            throw ArgumentError("'" + name + "' is an output, not an input" + inputs +
                                describe_tensors(tensors, TensorIO::kInput));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (feed[j].name == name) throw ArgumentError("input '" + name + "' is given twice");
        }
        declared[i] = &*it;
    }
    for (const auto& t : tensors) {
        if (t.io != TensorIO::kInput) continue;
        if (std::none_of(feed.begin(), feed.end(), [&](const NamedArray& s) { return s.name == t.name; })) {
            throw ArgumentError("missing input " + describe(t) + inputs + describe_tensors(tensors, TensorIO::kInput));
        }
    }
    std::vector<std::size_t> to_cast;
    std::map<std::string, std::pair<int64_t, std::string>> named;  // dim name -> (extent, first input having it)
    for (std::size_t i = 0; i < feed.size(); ++i) {
        const ArrayView& spec = feed[i].array;
        const auto& info = *declared[i];
        if (spec.dtype != info.dtype) {
            if (!options.cast || spec.location == Location::kDevice || !spec.dtype) wrong_dtype(info, spec, options.cast);
            to_cast.push_back(i);
        }
        check_input_shape(info, spec.shape);
        if (options.profile) check_profile(info, spec.shape, *options.profile);
        for (std::size_t d = 0; d < info.dim_names.size() && d < spec.shape.size(); ++d) {
            if (info.dim_names[d].empty() || info.shape[d] >= 0) continue;
            const auto [it, fresh] = named.emplace(info.dim_names[d], std::make_pair(spec.shape[d], info.name));
            if (!fresh && it->second.first != spec.shape[d]) {
                throw ShapeError("dynamic dimension '" + info.dim_names[d] + "' is " + std::to_string(it->second.first) +
                                 " in input '" + it->second.second + "' but " + std::to_string(spec.shape[d]) +
                                 " in input '" + info.name + "' (dimension " + std::to_string(d) +
                                 "); it must be equal");
            }
        }
    }
    return to_cast;
}

std::vector<std::string> FeedChecker::check(const std::vector<NamedArray>& feed, bool cast) const {
    std::vector<std::string> names;
    for (const auto i : check_feed(inputs, feed, FeedCheck{cast, profile})) names.push_back(feed[i].name);
    return names;
}

void check_device_contiguous(const NamedArray& input) {
    if (input.array.c_contiguous) return;
    throw ArgumentError("input '" + input.name + "': the CUDA array is not C-contiguous (strides " +
                        input.array.strides +
                        "); pass a contiguous one (torch: .contiguous(), cupy: cupy.ascontiguousarray)");
}

}  // namespace trtcore
