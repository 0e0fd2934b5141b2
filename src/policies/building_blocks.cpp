#include <algorithm>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

void start_training_fifo(SchedulerCore& core, PoolRole role) {
  while (!core.waiting_training().empty()) {
    const int job = core.waiting_training().front();
    bool started = false;
    for (int pool : core.job_pools(job))
      if (core.fleet().pools[pool].role == role && core.start_training(job, pool)) {
        started = true;
        break;
      }
    if (!started) return;
  }
}

void PeakProvisioning::apply(SchedulerCore& core, PoolRole role) {
  const auto& services = core.workload().inference;
  if (peaks_.empty())
    for (const auto& service : services) peaks_.push_back(service.demand.peak());
  for (int s = 0; s < static_cast<int>(services.size()); ++s) core.scale_to(s, role, peaks_[s]);
}

int most_free_gpus(const SchedulerCore& core, PoolRole role) {
  int most = 0;
  for (size_t p = 0; p < core.fleet().pools.size(); ++p)
    if (core.fleet().pools[p].role == role) most = std::max(most, core.free_gpus(p));
  return most;
}

void refuse_leases(SchedulerCore& core) {
  const auto leases = core.pending_leases();  // a copy: rejecting edits the list
  for (int lease : leases) core.reject_lease(lease);
}

}  // namespace gpufleet
