#include "core/scheduler_core.hpp"
#include "policies/policies.hpp"

namespace gpufleet {

namespace {

// The status quo: training runs FIFO on training pools only (the head of the queue blocks
// the rest); each inference service holds, on inference pools only, the replicas its peak
// demand needs, as operators provision for peak; no lease is taken.
class StaticPartition final : public Policy {
 public:
  void schedule(SchedulerCore& core) override {
    const auto& services = core.workload().inference;
    if (peaks_.empty())
      for (const auto& service : services) peaks_.push_back(service.demand.peak());
    for (int s = 0; s < static_cast<int>(services.size()); ++s)
      core.scale_to(s, PoolRole::kInference, peaks_[s]);
    const auto leases = core.pending_leases();
    for (int lease : leases) core.reject_lease(lease);
    start_training_fifo(core, PoolRole::kTraining);
  }

 private:
  std::vector<double> peaks_;  // per service; the curves do not change during a run
};

}  // namespace

void start_training_fifo(SchedulerCore& core, PoolRole role) {
  while (!core.waiting_training().empty()) {
    const int job = core.waiting_training().front();
    bool started = false;
    for (const auto& g : core.workload().training[job].generations) {
      for (int pool : core.pools_of_model(g.model))
        if (core.fleet().pools[pool].role == role && core.start_training(job, pool)) {
          started = true;
          break;
        }
      if (started) break;
    }
    if (!started) return;
  }
}

std::unique_ptr<Policy> make_static_partition() {
  return std::make_unique<StaticPartition>();
}

}  // namespace gpufleet
