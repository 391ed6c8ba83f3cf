#include "common/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace trtcore {

namespace {
std::atomic<int> g_override{0};  // 0: not set by set_num_threads

int default_threads() {
    if (const char* env = std::getenv("TRTCORE_NUM_THREADS")) {
        char* end = nullptr;
        const long n = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && n >= 1 && n <= 1024) return static_cast<int>(n);
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
}
}  // namespace

int num_threads() {
    const int n = g_override.load(std::memory_order_relaxed);
    return n >= 1 ? n : default_threads();
}

void set_num_threads(int n) {
    if (n < 0) throw ArgumentError("set_num_threads: n must be >= 1 (or 0 for the default), got " + std::to_string(n));
    g_override.store(n, std::memory_order_relaxed);
}

void parallel_for(std::size_t count, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body) {
    if (count == 0) return;
    grain = std::max<std::size_t>(grain, 1);
    const std::size_t max_chunks = (count + grain - 1) / grain;
    const std::size_t chunks = std::min<std::size_t>(static_cast<std::size_t>(num_threads()), max_chunks);
    if (chunks <= 1) {
        body(0, count);
        return;
    }
    std::vector<std::exception_ptr> errors(chunks);
    auto run = [&](std::size_t k) {
        const std::size_t begin = count * k / chunks, end = count * (k + 1) / chunks;
        try {
            body(begin, end);
        } catch (...) {
            errors[k] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(chunks - 1);
    try {
        for (std::size_t k = 1; k < chunks; ++k) threads.emplace_back(run, k);
    } catch (...) {
        // Could not start a thread (resource limits): run what is left here rather than fail.
        for (std::size_t k = threads.size() + 1; k < chunks; ++k) run(k);
    }
    run(0);
    for (auto& t : threads) t.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace trtcore
