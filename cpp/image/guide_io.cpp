#include "image/guide_io.h"

#include <utility>

#include "common/error.h"
#include "image/preprocess.h"

namespace trtcore::image {

namespace {
std::string dims_text(const std::vector<std::int64_t>& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
}
}  // namespace

RGBImageReader::RGBImageReader(std::string path, std::vector<std::int64_t> dims, std::vector<float> mean,
                               std::vector<float> std)
    : path_(std::move(path)), dims_(std::move(dims)), mean_(std::move(mean)), std_(std::move(std)) {
    if (dims_.size() != 4 || dims_[0] != 1 || dims_[1] < 1 || dims_[2] < 1 || dims_[3] < 1)
        throw ShapeError("RGBImageReader(" + path_ + "): dims must be [1, C, H, W] with positive C, H, W, got " +
                         dims_text(dims_));
    if (mean_.size() != static_cast<std::size_t>(dims_[1]) || std_.size() != static_cast<std::size_t>(dims_[1]))
        throw ArgumentError("RGBImageReader(" + path_ + "): mean and std need " + std::to_string(dims_[1]) +
                            " values (one per channel), got " + std::to_string(mean_.size()) + " and " +
                            std::to_string(std_.size()));
}

void RGBImageReader::read() {
    Image img = read_pnm(path_);
    if (img.channels != static_cast<std::size_t>(dims_[1]) || img.height != static_cast<std::size_t>(dims_[2]) ||
        img.width != static_cast<std::size_t>(dims_[3]))
        throw ShapeError(path_ + ": the image is " + std::to_string(img.width) + " x " + std::to_string(img.height) +
                         " with " + std::to_string(img.channels) + " channels, but the network input " +
                         dims_text(dims_) + " wants " + std::to_string(dims_[3]) + " x " + std::to_string(dims_[2]) +
                         " with " + std::to_string(dims_[1]));
    image_ = std::move(img);
    read_ = true;
}

std::size_t RGBImageReader::volume() const {
    return static_cast<std::size_t>(dims_[1]) * static_cast<std::size_t>(dims_[2]) * static_cast<std::size_t>(dims_[3]);
}

void RGBImageReader::process(float* dst) const {
    if (!read_) throw ArgumentError("RGBImageReader(" + path_ + "): call read() before process()");
    normalize(image_, mean_.data(), std_.data(), dst);
}

std::vector<float> RGBImageReader::process() const {
    std::vector<float> out(volume());
    process(out.data());
    return out;
}

ArgmaxImageWriter::ArgmaxImageWriter(std::string path, std::vector<std::int64_t> dims,
                                     const std::vector<int>& palette_base, int num_classes)
    : path_(std::move(path)) {
    // Accept [N, 1, H, W], [N, H, W] or [H, W] as long as everything before H, W is 1.
    bool ok = dims.size() >= 2 && dims.size() <= 4;
    for (std::size_t i = 0; ok && i + 2 < dims.size(); ++i) ok = dims[i] == 1;
    if (ok) ok = dims[dims.size() - 2] >= 1 && dims[dims.size() - 1] >= 1;
    if (!ok)
        throw ShapeError("ArgmaxImageWriter(" + path_ + "): dims must be [1, 1, H, W], [1, H, W] or [H, W], got " +
                         dims_text(dims));
    height_ = static_cast<std::size_t>(dims[dims.size() - 2]);
    width_ = static_cast<std::size_t>(dims[dims.size() - 1]);
    if (palette_base.size() != 3)
        throw ArgumentError("ArgmaxImageWriter(" + path_ + "): palette needs 3 values (R, G, B bases), got " +
                            std::to_string(palette_base.size()));
    palette_ = guide_palette(num_classes, {palette_base[0], palette_base[1], palette_base[2]});
}

void ArgmaxImageWriter::process(const std::int64_t* labels) {
    // Into a fresh buffer: a bad id leaves the previous result (or none) instead of a half-coloured image.
    std::vector<std::uint8_t> rgb(3 * height_ * width_);
    colorize(labels, DataType::kInt64, height_ * width_, palette_, rgb.data());
    rgb_.swap(rgb);
}

void ArgmaxImageWriter::process(const std::int32_t* labels) {
    // Into a fresh buffer: a bad id leaves the previous result (or none) instead of a half-coloured image.
    std::vector<std::uint8_t> rgb(3 * height_ * width_);
    colorize(labels, DataType::kInt32, height_ * width_, palette_, rgb.data());
    rgb_.swap(rgb);
}

void ArgmaxImageWriter::write() const {
    if (rgb_.size() != 3 * height_ * width_)
        throw ArgumentError("ArgmaxImageWriter(" + path_ + "): call process() before write()");
    write_pnm(path_, ImageView{rgb_.data(), width_, height_, 3, DataType::kUInt8, 255});
}

}  // namespace trtcore::image
