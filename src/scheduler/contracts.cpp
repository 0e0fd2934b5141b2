// Contracts: blocks of GPUs leased out for a term that the operator committed to before the
// run. No policy decides them: the core takes the GPUs when the term begins, making room if
// something holds them, and gives them back when it ends.
#include <algorithm>

#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

namespace {

int free_of(const std::vector<int>& free_per_pool, const std::vector<int>& pools) {
  int free = 0;
  for (int p : pools) free += free_per_pool[p];
  return free;
}

}  // namespace

void SchedulerCore::contract_started(int contract) {
  const DecisionScope why(*this, DecisionPart::kCore, DecisionReason::kContractStart);
  const auto& spec = workload_.contracts[contract];
  const auto& pools = pools_of_model(spec.model);
  make_room(pools, spec.gpus);
  int left = spec.gpus;
  std::vector<Placement> placements;
  for (int pool : pools) {
    const int gpus = std::min(left, free_per_pool_[pool]);
    if (gpus == 0) continue;
    placements.push_back(take_any_free(pool, gpus));
    left -= gpus;
  }
  for (const auto& placement : placements)
    note(DecisionAction::kContractStart, contract, placement.pool, placement.gpus());
  contract_placements_[contract] = placements;
  actions_.push_back(StartContract{contract, std::move(placements)});
}

void SchedulerCore::contract_ended(int contract) {
  const DecisionScope why(*this, DecisionPart::kCore, DecisionReason::kContractEnd);
  for (const auto& placement : contract_placements_[contract])
    note(DecisionAction::kContractEnd, contract, placement.pool, placement.gpus());
  for (const auto& placement : contract_placements_[contract]) give_back(placement);
  contract_placements_[contract].clear();
  actions_.push_back(EndContract{contract});
}

// Frees GPUs of these pools until `gpus` are free (or nothing more can be freed: failed GPUs
// stay down). Who gives way, in order: preemptible leases (the terms allow it), inference
// replicas (the autoscaler starts them again where it can), training jobs from the lowest
// priority and the latest started (they lose the work since their checkpoint), then the other
// leases.
void SchedulerCore::make_room(const std::vector<int>& pools, int gpus) {
  const auto on_pools = [&](int pool) { return std::count(pools.begin(), pools.end(), pool) > 0; };
  const auto short_of_room = [&] { return free_of(free_per_pool_, pools) < gpus; };
  const auto reclaim_leases = [&](bool preemptible) {
    for (size_t l = 0; l < lease_placement_.size() && short_of_room(); ++l)
      if (lease_placement_[l] && on_pools(lease_placement_[l]->pool) &&
          workload_.leases[l].preemptible == preemptible)
        reclaim_lease(static_cast<int>(l));
  };
  reclaim_leases(true);
  for (size_t r = replicas_.size(); r-- > 0 && short_of_room();)
    if (replicas_[r].active && on_pools(replicas_[r].placement.pool))
      remove_replica(static_cast<int>(r), ReplicaStop::kContract);
  std::vector<int> jobs;
  for (int job : running_)
    if (on_pools(training_placement_[job]->pool)) jobs.push_back(job);
  std::stable_sort(jobs.begin(), jobs.end(), [&](int a, int b) {
    const int pa = workload_.training[a].priority, pb = workload_.training[b].priority;
    return pa != pb ? pa < pb : started_at_[a] > started_at_[b];
  });
  for (size_t i = 0; i < jobs.size() && short_of_room(); ++i) preempt_training(jobs[i]);
  reclaim_leases(false);
}

// A contract takes servers, not a job's shape: whole free domains first (the emptiest), then
// what is left on the others.
Placement SchedulerCore::take_any_free(int pool, int gpus) {
  std::vector<int> domains;
  for (int d = fleet_.pools[pool].first_domain;
       d < fleet_.pools[pool].first_domain + fleet_.pools[pool].domain_count; ++d)
    if (free_per_domain_[d] > 0) domains.push_back(d);
  std::stable_sort(domains.begin(), domains.end(),
                   [&](int a, int b) { return free_per_domain_[a] > free_per_domain_[b]; });
  Placement placement;
  placement.pool = pool;
  for (int d : domains) {
    if (gpus == 0) break;
    const int take_here = std::min(gpus, free_per_domain_[d]);
    placement.parts.push_back({d, take_here});
    gpus -= take_here;
  }
  take(placement);
  return placement;
}

}  // namespace gpufleet
