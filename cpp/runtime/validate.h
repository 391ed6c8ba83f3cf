// The one feed validator: every backend (the executor over TensorRT or a test backend, and the ONNX Runtime runner
// through trtcore._core.FeedChecker) checks what a user feeds here, once per call, under one dtype policy:
// a dtype mismatch is a DTypeError naming the tensor, the given and the expected dtype and the fix; cast=True lets
// host arrays through for the caller to convert (numpy astype) and is refused for device arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/array.h"

namespace trtcore {

struct FeedCheck {
    // Host inputs whose dtype differs from the declared one are accepted (and listed in the result) for the caller
    // to convert; device inputs of another dtype are refused all the same.
    bool cast = false;
    // Check extents against this optimization profile of the inputs' profiles (where they have any); nullopt when
    // the backend checks its own profile (a TensorRT context knows which one it runs).
    std::optional<std::size_t> profile = 0;
};

// Checks `feed` against the inputs among `tensors` (outputs are there only to be named in messages): every input
// given exactly once and no unknown names; the declared dtype; rank, static extents, non-negative extents; extents
// within the profile; a named dynamic dimension ("batch", TensorInfo::dim_names) equal across inputs.
// Throws ArgumentError / DTypeError / ShapeError naming the tensor. Returns, with cast, the indices into `feed` of
// the host inputs to convert to their declared dtype (empty otherwise).
std::vector<std::size_t> check_feed(const std::vector<TensorInfo>& tensors, const std::vector<NamedArray>& feed,
                                    const FeedCheck& options = {});

// check_feed for a host backend (ONNX Runtime, through trtcore._core.FeedChecker): against inputs converted once,
// returning the names of the host inputs to convert (cast=True).
struct FeedChecker {
    std::vector<TensorInfo> inputs;
    std::optional<std::size_t> profile = 0;
    std::vector<std::string> check(const std::vector<NamedArray>& feed, bool cast) const;
};

// ArgumentError for a CUDA input that is not C-contiguous (the executor checks): copying on the GPU behind the
// user's back would hide a cost the user can avoid.
void check_device_contiguous(const NamedArray& input);
// Checks one input's shape against its declaration (rank, static dims, no negative extents).
void check_input_shape(const TensorInfo& info, const Shape& shape);

// The declared tensor called `name` (input or output); throws ArgumentError listing the names.
const TensorInfo& find_tensor(const std::vector<TensorInfo>& tensors, const std::string& name);

// "'x' (float32 [-1, 3])" for each tensor of `io`, comma-separated ("none" when there is none).
std::string describe_tensors(const std::vector<TensorInfo>& tensors, TensorIO io);

}  // namespace trtcore
