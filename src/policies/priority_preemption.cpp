#include <algorithm>
#include <limits>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

namespace {

// Running jobs on `pool` that `job` may preempt: lower priority, the lowest first and, among
// equals, the latest started (it has the least work since its last checkpoint at stake).
std::vector<int> victims_for(const SchedulerCore& core, int job, int pool) {
  const auto& training = core.workload().training;
  std::vector<int> victims;
  for (int other : core.running_training())
    if (core.placement_of(other)->pool == pool && training[other].priority < training[job].priority)
      victims.push_back(other);
  std::sort(victims.begin(), victims.end(), [&](int a, int b) {
    if (training[a].priority != training[b].priority)
      return training[a].priority < training[b].priority;
    if (core.started_at(a) != core.started_at(b)) return core.started_at(a) > core.started_at(b);
    return a < b;
  });
  return victims;
}

// Starts the job on the first of its pools where it fits; failing that, preempts victims (in
// victims_for order, until enough GPUs are free) on the first pool where that makes room.
// False if no pool has enough GPUs held by lower-priority jobs.
bool start_by_preempting(SchedulerCore& core, int job, PoolRole role, double restart_delay_s) {
  const auto& spec = core.workload().training[job];
  std::vector<int> pools;
  for (int pool : core.job_pools(job))
    if (core.fleet().pools[pool].role == role) pools.push_back(pool);
  for (int pool : pools)
    if (core.start_training(job, pool)) return true;
  for (int pool : pools) {
    int freed = core.free_gpus(pool);
    std::vector<int> chosen;
    for (int victim : victims_for(core, job, pool)) {
      if (freed >= spec.gpus) break;
      chosen.push_back(victim);
      freed += core.workload().training[victim].gpus;
    }
    if (freed < spec.gpus) continue;
    for (int victim : chosen) core.preempt_training(victim, restart_delay_s);
    if (core.start_training(job, pool)) return true;
  }
  return false;
}

}  // namespace

void preempt_for_priority(SchedulerCore& core, PoolRole role, double restart_delay_s) {
  const auto& training = core.workload().training;
  if (core.waiting_training().empty() || core.running_training().empty()) return;
  int lowest_running = std::numeric_limits<int>::max();
  for (int job : core.running_training())
    lowest_running = std::min(lowest_running, training[job].priority);
  if (core.highest_waiting_priority() <= lowest_running) return;  // most passes
  // Only a job that outranks some running job can gain anything here: those alone are taken
  // (most passes, none), highest priority first, the queue's order among equals.
  std::vector<int> outranking;
  for (int job : core.waiting_training())
    if (training[job].priority > lowest_running) outranking.push_back(job);
  std::stable_sort(outranking.begin(), outranking.end(),
                   [&](int a, int b) { return training[a].priority > training[b].priority; });
  for (int job : outranking) start_by_preempting(core, job, role, restart_delay_s);
}

}  // namespace gpufleet
