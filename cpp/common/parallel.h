// A tiny thread-splitting helper for CPU loops over rows, planes or pixels.
//
// Why not OpenMP or a pool: the work it serves (image preprocess/postprocess) is a few milliseconds per call on a
// couple of cores, so starting std::threads per call (tens of microseconds) is cheap next to it, has no global
// state to get wrong after fork(), and needs no extra runtime library.
#pragma once

#include <cstddef>
#include <functional>

namespace trtcore {

// Threads a parallel_for may use: set_num_threads(n) when called with n >= 1, else the environment variable
// TRTCORE_NUM_THREADS (when it is a positive integer), else std::thread::hardware_concurrency() (at least 1).
int num_threads();
// n >= 1 fixes the count; n == 0 returns to the default above. Negative n throws ArgumentError.
void set_num_threads(int n);

// Runs body(begin, end) over [0, count) split into at most num_threads() contiguous chunks of at least `grain`
// items each; the calling thread runs one chunk itself. An exception thrown by any chunk is rethrown here (the
// first one, by chunk order) after every thread has joined.
void parallel_for(std::size_t count, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace trtcore
