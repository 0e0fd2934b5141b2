#include <algorithm>
#include <cmath>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

bool start_in_role(SchedulerCore& core, int job, PoolRole role) {
  for (int pool : core.job_pools(job))
    if (core.fleet().pools[pool].role == role && core.start_training(job, pool)) return true;
  return false;
}

void start_training_fifo(SchedulerCore& core, PoolRole role) {
  while (!core.waiting_training().empty())
    if (!start_in_role(core, core.waiting_training().front(), role)) return;
}

void PeakProvisioning::apply(SchedulerCore& core, PoolRole role,
                             const DemandForecaster& forecaster) {
  for (int s = 0; s < static_cast<int>(core.workload().inference.size()); ++s)
    core.scale_to(s, role, forecaster.peak(s));
}

bool give_back_to_inference(SchedulerCore& core, int service, double target,
                            double restart_delay_s) {
  const auto& spec = core.workload().inference[service];
  const double short_by = target - core.provisioned(service);
  if (short_by <= 0) return false;
  // On the pools of its first eligible generation that training occupies.
  for (const auto& g : spec.generations) {
    if (g.latency_s > spec.latency_target_s) continue;
    const int needed = static_cast<int>(std::ceil(short_by / g.throughput)) * spec.gpus_per_replica;
    bool preempted = false;
    for (int pool : core.pools_of_model(g.model)) {
      // A pool with the room already preempts nothing: skip the scan of every running job,
      // which each pass of a following-demand run made for every service short of its peak.
      if (core.fleet().pools[pool].role != PoolRole::kInference || core.free_gpus(pool) >= needed)
        continue;
      std::vector<int> spilled;
      for (int job : core.running_training())
        if (core.placement_of(job)->pool == pool) spilled.push_back(job);
      // The latest started first: the least work since a checkpoint at stake.
      std::stable_sort(spilled.begin(), spilled.end(),
                       [&](int a, int b) { return core.started_at(a) > core.started_at(b); });
      for (size_t v = 0; v < spilled.size() && core.free_gpus(pool) < needed; ++v) {
        core.preempt_training(spilled[v], restart_delay_s);
        preempted = true;
      }
    }
    if (preempted) core.scale_to(service, PoolRole::kInference, target);
    return preempted;
  }
  return false;
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
