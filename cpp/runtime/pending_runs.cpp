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

Location output_location(const std::string& device) {
    if (device == "cpu") return Location::kHost;
    if (device == "cuda") return Location::kDevice;
    throw ArgumentError("output_device must be 'cpu' or 'cuda', got '" + device + "'");
}

QueuedRun run_queued(Executor& ex, const std::vector<NamedArray>& inputs, Location outputs, bool copy_outputs,
                     bool synchronize, std::optional<cudaStream_t> stream, bool keep_inputs,
                     std::vector<NamedArray> targets) {
    RunOptions options;
    options.outputs = outputs;
    options.detach_device_outputs = copy_outputs && synchronize;
    options.copy_host_outputs = copy_outputs && synchronize;
    options.synchronize = synchronize;
    options.stream = stream;
    options.targets = std::move(targets);
    QueuedRun run;
    const bool keep = !synchronize && keep_inputs;
    if (keep) run.done = cuda::Event::create("executor pending run");
    run.outputs = ex.run(inputs, options);
    if (ex.cuda_graph()) run.graph_warning = ex.take_graph_warning();
    if (!synchronize) {
        run.ready = ex.done_event();
        run.stream = stream ? *stream : ex.stream();
        if (keep) run.done.record(run.stream, "executor pending run");
    }
    return run;
}

}  // namespace trtcore

#endif  // TRTCORE_WITH_CUDA
