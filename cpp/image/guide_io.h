// The names NVIDIA's TensorRT quick start uses (quickstart/common/util.h), done properly underneath: any PPM/PGM
// dialect, errors thrown instead of asserts and ignored streams, ids outside the palette refused, atomic writes.
//
//   trtcore::image::RGBImageReader reader("input.ppm", {1, 3, H, W}, {0.485f, 0.456f, 0.406f},
//                                         {0.229f, 0.224f, 0.225f});
//   reader.read();
//   std::vector<float> nchw = reader.process();      // or reader.process(pinned_host_ptr)
//   ...
//   trtcore::image::ArgmaxImageWriter writer("output.ppm", {1, 1, H, W});  // guide palette, 21 classes
//   writer.process(labels_int64);                        // int64_t* or int32_t*
//   writer.write();                                      // "P6 W H 255\n" + RGB bytes, like the guide
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "image/pnm.h"
#include "image/postprocess.h"

namespace trtcore::image {

class RGBImageReader {
public:
    // dims: the network input, NCHW with N == 1 (as in the guide); C must match the file's channels and H, W its
    // size (checked by read()). mean and std hold C values.
    RGBImageReader(std::string path, std::vector<std::int64_t> dims, std::vector<float> mean, std::vector<float> std);
    void read();                         // reads and checks the file; throws FormatError/FileError/ShapeError
    std::size_t volume() const;          // C * H * W
    std::vector<float> process() const;  // (value / maxval - mean[c]) / std[c], planar CHW
    void process(float* dst) const;      // the same into volume() floats the caller owns (e.g. pinned memory)
    const Image& image() const { return image_; }

private:
    std::string path_;
    std::vector<std::int64_t> dims_;
    std::vector<float> mean_, std_;
    Image image_;
    bool read_ = false;
};

class ArgmaxImageWriter {
public:
    // dims: the labels tensor, [N, 1, H, W] or [N, H, W] with N == 1 (extra leading 1s are fine); palette_base and
    // num_classes as in the guide (its values are the defaults).
    ArgmaxImageWriter(std::string path, std::vector<std::int64_t> dims,
                      const std::vector<int>& palette_base = {(1 << 25) - 1, (1 << 15) - 1, (1 << 21) - 1},
                      int num_classes = kGuideNumClasses);
    void process(const std::int64_t* labels);  // H * W class ids; throws ArgumentError for ids outside the palette
    void process(const std::int32_t* labels);
    void write() const;                        // P6, maxval 255, atomically
    const std::vector<std::uint8_t>& rgb() const { return rgb_; }

private:
    std::string path_;
    std::size_t height_ = 0, width_ = 0;
    Palette palette_;
    std::vector<std::uint8_t> rgb_;
};

}  // namespace trtcore::image
