// Only compiled with CUDA.
#ifdef TRTCORE_WITH_CUDA
#include "runtime/pending_runs.h"

#include "common/error.h"

namespace trtcore {

void PendingRuns::prune() {
    while (!runs_.empty()) {
        try {
            if (!runs_.front().done.query("executor pending run")) return;
        } catch (const CudaError&) {
            return;
        }
        runs_.pop_front();
    }
}

}  // namespace trtcore

#endif  // TRTCORE_WITH_CUDA
