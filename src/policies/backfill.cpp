#include <algorithm>
#include <limits>

#include "core/scheduler_core.hpp"
#include "policies/policies.hpp"

namespace gpufleet {

namespace {

// Where and when the head of the queue is guaranteed to start: the pool that frees its GPUs
// first if running jobs end at their estimates, and the GPUs left over there at that time.
struct Reservation {
  int pool = -1;
  double start_s = std::numeric_limits<double>::infinity();
  int spare_gpus = 0;
};

Reservation reserve_for(const SchedulerCore& core, int head, PoolRole role) {
  const auto& fleet = core.fleet();
  const int gpus = core.workload().training[head].gpus;
  Reservation best;
  for (const auto& g : core.workload().training[head].generations)
    for (int pool : core.pools_of_model(g.model)) {
      if (fleet.pools[pool].role != role || fleet.pools[pool].gpus() < gpus) continue;
      std::vector<std::pair<double, int>> ends;  // (estimated end, job)
      for (int job : core.running_training())
        if (core.placement_of(job)->pool == pool)
          ends.push_back(
              {std::max(core.now(), core.started_at(job) + core.estimated_runtime_s(job, pool)),
               job});
      std::sort(ends.begin(), ends.end());
      int free = core.free_gpus(pool);
      double start = core.now();
      for (size_t i = 0; free < gpus && i < ends.size(); ++i) {
        free += core.workload().training[ends[i].second].gpus;
        start = ends[i].first;
      }
      if (free >= gpus && start < best.start_s) best = {pool, start, free - gpus};
    }
  return best;
}

}  // namespace

void backfill_training(SchedulerCore& core, PoolRole role) {
  if (core.waiting_training().size() < 2) return;
  // Most calls come with full pools: find that out before computing a reservation.
  int most_free = most_free_gpus(core, role);
  if (most_free == 0) return;
  Reservation reserved = reserve_for(core, core.waiting_training().front(), role);
  const auto& fleet = core.fleet();
  const std::vector<int> candidates(core.waiting_training().begin() + 1,
                                    core.waiting_training().end());
  for (int job : candidates) {
    const int gpus = core.workload().training[job].gpus;
    if (gpus > most_free) continue;
    bool started = false;
    for (const auto& g : core.workload().training[job].generations) {
      for (int pool : core.pools_of_model(g.model)) {
        if (fleet.pools[pool].role != role || core.free_gpus(pool) < gpus) continue;
        const bool ends_in_time =
            core.now() + core.estimated_runtime_s(job, pool) <= reserved.start_s;
        const bool uses_spare = gpus <= reserved.spare_gpus;
        if (pool == reserved.pool && !ends_in_time && !uses_spare) continue;
        if (!core.start_training(job, pool)) continue;
        if (pool == reserved.pool && !ends_in_time) reserved.spare_gpus -= gpus;
        started = true;
        break;
      }
      if (started) break;
    }
    if (started && (most_free = most_free_gpus(core, role)) == 0) return;
  }
}

}  // namespace gpufleet
