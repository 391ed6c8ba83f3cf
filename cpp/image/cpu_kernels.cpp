#include "image/cpu_kernels.h"

#include <atomic>
#include <cstdlib>

#include "common/error.h"

namespace trtcore::image {

namespace {

constexpr int kNoCap = -1;
std::atomic<int> g_cap{-2};  // -2: not read from the environment yet

int parse(const std::string& name) {
    if (name == "scalar") return static_cast<int>(CpuKernels::kScalar);
    if (name == "baseline") return static_cast<int>(CpuKernels::kBaseline);
    if (name == "avx2") return static_cast<int>(CpuKernels::kAVX2);
    if (name == "avx512") return static_cast<int>(CpuKernels::kAVX512);
    if (name == "auto" || name.empty()) return kNoCap;
    return -3;
}

int cap() {
    int c = g_cap.load(std::memory_order_relaxed);
    if (c == -2) {
        const char* env = std::getenv("TRTCORE_CPU_KERNELS");
        c = env ? parse(env) : kNoCap;
        if (c == -3) c = kNoCap;  // an unknown value in the environment is ignored rather than fatal at import
        g_cap.store(c, std::memory_order_relaxed);
    }
    return c;
}

}  // namespace

CpuKernels supported_cpu_kernels() {
#if TRTCORE_X86_VARIANTS
    static const CpuKernels best = [] {
        __builtin_cpu_init();
        // The AVX2/AVX-512 variants also use F16C (float16 output of normalize). GCC can ask for it; clang 14's
        // __builtin_cpu_supports does not know the name, and every AVX2 processor we know of has it.
#if defined(__clang__)
        const bool f16c = true;
#else
        const bool f16c = __builtin_cpu_supports("f16c");
#endif
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && f16c)
            return CpuKernels::kAVX512;
        if (__builtin_cpu_supports("avx2") && f16c) return CpuKernels::kAVX2;
        return CpuKernels::kBaseline;
    }();
    return best;
#else
    return CpuKernels::kBaseline;
#endif
}

CpuKernels cpu_kernels() {
    const int best = static_cast<int>(supported_cpu_kernels());
    const int c = cap();
    return static_cast<CpuKernels>(c == kNoCap || c > best ? best : c);
}

void set_cpu_kernels(const std::string& name) {
    const int c = parse(name);
    if (c == -3)
        throw ArgumentError("set_cpu_kernels: unknown variant '" + name +
                            "'; expected scalar, baseline, avx2, avx512 or auto");
    g_cap.store(c, std::memory_order_relaxed);
}

void reset_cpu_kernels() { g_cap.store(-2, std::memory_order_relaxed); }

const char* cpu_kernels_name(CpuKernels k) {
    switch (k) {
        case CpuKernels::kScalar: return "scalar";
        case CpuKernels::kBaseline: return "baseline";
        case CpuKernels::kAVX2: return "avx2";
        case CpuKernels::kAVX512: return "avx512";
    }
    return "?";
}

}  // namespace trtcore::image
