#include <algorithm>
#include <limits>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"
#include "scheduler/waiting_merge.hpp"

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
bool start_by_preempting(SchedulerCore& core, int job, PoolRole role, double restart_delay_s,
                         std::vector<int>& preempted) {
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
    {
      const DecisionScope why(core, DecisionReason::kPreemptForPriority);
      for (int victim : chosen) core.preempt_training(victim, restart_delay_s);
    }
    preempted.insert(preempted.end(), chosen.begin(), chosen.end());
    if (core.start_training(job, pool)) return true;
  }
  return false;
}

// Per pool of the role, the GPUs a job of this priority could have there: free ones and those
// of lower-priority running jobs. A job larger than that on each of its pools starts nowhere
// and preempts nobody. While jobs of this priority are handled it can only shrink: a start
// takes free GPUs, a preemption turns held GPUs into free ones. Jobs preempted in this pass
// go to the queue's head, behind the reading, and wait for the next pass, as before.
std::vector<int> room_by_preempting(const SchedulerCore& core, PoolRole role, int priority) {
  const auto& fleet = core.fleet();
  std::vector<int> room(fleet.pools.size(), 0);
  for (size_t p = 0; p < room.size(); ++p)
    if (fleet.pools[p].role == role) room[p] = core.free_gpus(static_cast<int>(p));
  for (int job : core.running_training()) {
    const int pool = core.placement_of(job)->pool;
    if (fleet.pools[pool].role == role && core.workload().training[job].priority < priority)
      room[pool] += core.workload().training[job].gpus;
  }
  return room;
}

}  // namespace

void preempt_for_priority(SchedulerCore& core, PoolRole role, double restart_delay_s) {
  const auto& training = core.workload().training;
  if (core.waiting_training().empty() || core.running_training().empty()) return;
  int lowest_running = std::numeric_limits<int>::max();
  for (int job : core.running_training())
    lowest_running = std::min(lowest_running, training[job].priority);
  if (core.highest_waiting_priority() <= lowest_running) return;  // most passes
  // Only a job that outranks some running job can gain anything here: those alone are taken,
  // highest priority first, the queue's order among equals, and of those only the ones that
  // fit in what they could free (see room_by_preempting); jobs preempted in this pass wait
  // for the next.
  std::vector<int> preempted;
  for (int priority : core.waiting_priorities_above(lowest_running)) {
    std::vector<int> room = room_by_preempting(core, role, priority);
    WaitingMerge candidates(
        [&](const WaitingMerge::Run& run) { return run.gpus <= room[run.pool]; },
        [&](const WaitingMerge::Run&, int job) {
          return std::find(preempted.begin(), preempted.end(), job) == preempted.end();
        });
    for (size_t p = 0; p < room.size(); ++p)
      for (const auto& [kind, jobs] : core.waiting_by_priority(static_cast<int>(p)))
        if (kind.first == priority && kind.second <= room[p])
          candidates.add({static_cast<int>(p), kind.second, kind.first, jobs.begin(), jobs.end()});
    while (const auto job = candidates.next())
      if (start_by_preempting(core, *job, role, restart_delay_s, preempted))
        room = room_by_preempting(core, role, priority);
  }
}

}  // namespace gpufleet
