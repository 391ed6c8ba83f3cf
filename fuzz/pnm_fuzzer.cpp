// libFuzzer harness for the PPM/PGM parser (cpp/image/pnm.cpp parse_pnm). The input is a whole file.
//
// Properties: parse_pnm returns an image consistent with its header or throws trtcore::FormatError (nothing else,
// and never crashes, leaks or reads out of bounds: ASan/UBSan); every CPU kernel variant (scalar, baseline, AVX2,
// AVX-512 as the machine has them) gives the same pixels or the same message.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/error.h"
#include "image/cpu_kernels.h"
#include "image/pnm.h"

namespace {
using namespace trtcore;
using namespace trtcore::image;

struct Outcome {
    bool ok = false;
    std::string error;  // FormatError's message
    Image image;
};

Outcome parse(const std::uint8_t* data, std::size_t size) {
    Outcome out;
    try {
        out.image = parse_pnm(data, size, "fuzz.ppm");
        out.ok = true;
    } catch (const FormatError& e) {
        out.error = e.what();
        if (out.error.rfind("fuzz.ppm: ", 0) != 0) {
            std::fprintf(stderr, "FormatError without the file name: %s\n", e.what());
            std::abort();
        }
    }
    // Any other exception escapes: libFuzzer reports it as a crash ("uncaught exception").
    return out;
}

void check_image(const Image& img) {
    const bool wide = img.maxval > 255;
    if (img.width == 0 || img.height == 0 || (img.channels != 1 && img.channels != 3) || img.maxval == 0 ||
        img.maxval > 65535 || img.type != (wide ? DataType::kUInt16 : DataType::kUInt8) ||
        img.pixels.size() != img.sample_count() * (wide ? 2 : 1)) {
        std::fprintf(stderr, "inconsistent image %zux%zux%zu maxval %u, %zu bytes\n", img.width, img.height,
                     img.channels, img.maxval, img.pixels.size());
        std::abort();
    }
    for (std::size_t i = 0; i < img.sample_count(); ++i) {
        const std::uint32_t v = wide ? img.pixels.as<std::uint16_t>()[i] : img.pixels.data()[i];
        if (v > img.maxval) {
            std::fprintf(stderr, "sample %zu = %u above maxval %u\n", i, v, img.maxval);
            std::abort();
        }
    }
}

bool same(const Outcome& a, const Outcome& b) {
    if (a.ok != b.ok) return false;
    if (!a.ok) return a.error == b.error;
    const Image &x = a.image, &y = b.image;
    return x.width == y.width && x.height == y.height && x.channels == y.channels && x.maxval == y.maxval &&
           x.pixels.size() == y.pixels.size() && std::memcmp(x.pixels.data(), y.pixels.data(), x.pixels.size()) == 0;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const int variants = static_cast<int>(supported_cpu_kernels()) + 1;
    static const char* const names[] = {"scalar", "baseline", "avx2", "avx512"};
    set_cpu_kernels("scalar");
    const Outcome reference = parse(data, size);
    if (reference.ok) check_image(reference.image);
    for (int v = 1; v < variants; ++v) {
        set_cpu_kernels(names[v]);
        const Outcome other = parse(data, size);
        if (!same(reference, other)) {
            std::fprintf(stderr, "variant %s disagrees with scalar: %s vs %s\n", names[v],
                         other.ok ? "an image" : other.error.c_str(), reference.ok ? "an image" : reference.error.c_str());
            std::abort();
        }
    }
    return 0;
}
