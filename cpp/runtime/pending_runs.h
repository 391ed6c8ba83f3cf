// What asynchronous runs still read (the caller's CUDA arrays), kept alive until the event recorded after each run
// has completed. The handles are opaque: the bindings keep Python objects in them, so prune() and clear() must be
// called where those may be released (with the GIL held).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cuda/stream.h"
#include "runtime/executor.h"

namespace trtcore {

class PendingRuns {
public:
    using Handle = std::shared_ptr<void>;

    // Keeps `keep` until `done` (recorded after the run by the caller) has completed. Runs complete in order:
    // each run waits for the previous one.
    void add(cuda::Event done, std::vector<Handle> keep) { runs_.push_back({std::move(done), std::move(keep)}); }
    // After a run: a synchronous one waited for every earlier one, so everything is dropped; an asynchronous one
    // that reads CUDA inputs keeps them (`keep`) until `done`.
    void after_run(bool synchronized, cuda::Event done, std::vector<Handle> keep) {
        if (synchronized) {
            clear();
        } else if (!keep.empty()) {
            add(std::move(done), std::move(keep));
        }
    }
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

// One Executor::run as the bindings ask for it, with what PendingRuns needs of an asynchronous one.
struct QueuedRun {
    std::vector<OutputArray> outputs;
    std::shared_ptr<cuda::Event> ready;  // asynchronous runs: the outputs are ready once it has completed
    cudaStream_t stream = nullptr;       // asynchronous runs: the stream the run was queued on
    cuda::Event done;                    // asynchronous runs with keep_inputs: recorded after the run
    std::optional<std::string> graph_warning;  // Executor::take_graph_warning, for the caller to give the user
};

// The output_device argument ("cpu" | "cuda") as a Location; ArgumentError for any other word.
Location output_location(const std::string& device);

// Runs `inputs` on `ex` with outputs in `outputs`; copy_outputs (synchronous runs only): every output is the
// caller's (owned host copies, detached device buffers). keep_inputs (asynchronous runs): records `done` after the
// run for PendingRuns::add, the event created before the run so that nothing can fail once it is queued.
// `targets`: outputs written into the caller's host arrays (synchronous host runs, RunOptions::targets).
QueuedRun run_queued(Executor& ex, const std::vector<NamedArray>& inputs, Location outputs, bool copy_outputs,
                     bool synchronize, std::optional<cudaStream_t> stream, bool keep_inputs,
                     std::vector<NamedArray> targets = {});

}  // namespace trtcore
