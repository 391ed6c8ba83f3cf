// What asynchronous runs still read (the caller's CUDA arrays), kept alive until the event recorded after each run
// has completed. The handles are opaque: the bindings keep Python objects in them, so prune() and clear() must be
// called where those may be released (with the GIL held).
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "cuda/stream.h"

namespace trtcore {

class PendingRuns {
public:
    using Handle = std::shared_ptr<void>;

    // Keeps `keep` until `done` (recorded after the run by the caller) has completed. Runs complete in order:
    // each run waits for the previous one.
    void add(cuda::Event done, std::vector<Handle> keep) { runs_.push_back({std::move(done), std::move(keep)}); }
    // Drops what completed runs kept (a caller who syncs through torch/cupy never calls synchronize()); on a CUDA
    // error keeps everything, for the next CUDA call to report it.
    void prune();
    void clear() { runs_.clear(); }
    std::size_t size() const { return runs_.size(); }

private:
    struct Run {
        cuda::Event done;
        std::vector<Handle> keep;
    };
    std::deque<Run> runs_;  // oldest first
};

}  // namespace trtcore
