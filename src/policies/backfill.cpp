#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

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

// The first pool, in the job's order of preference, where it may start now without delaying
// the reservation: it fits, and it ends before the reservation or uses only spare GPUs there.
// Read-only, so candidates can be scored in parallel. -1 if none.
int first_backfill_pool(const SchedulerCore& core, int job, PoolRole role,
                        const Reservation& reserved) {
  const auto& spec = core.workload().training[job];
  for (const auto& g : spec.generations)
    for (int pool : core.pools_of_model(g.model)) {
      if (core.fleet().pools[pool].role != role || core.free_gpus(pool) < spec.gpus) continue;
      const bool ends_in_time =
          core.now() + core.estimated_runtime_s(job, pool) <= reserved.start_s;
      if (pool == reserved.pool && !ends_in_time && spec.gpus > reserved.spare_gpus) continue;
      if (core.placement_for(pool, spec.gpus)) return pool;
    }
  return -1;
}

}  // namespace

void backfill_training(SchedulerCore& core, PoolRole role) {
  if (core.waiting_training().size() < 2) return;
  // Most calls come with full pools: find that out before computing a reservation.
  int most_free = most_free_gpus(core, role);
  if (most_free == 0) return;
  Reservation reserved = reserve_for(core, core.waiting_training().front(), role);
  const std::vector<int> candidates(core.waiting_training().begin() + 1,
                                    core.waiting_training().end());
  // Score every candidate against the pass's starting state, in parallel: starting jobs only
  // takes GPUs and spare away, so one that cannot start now cannot later in the pass either.
  // The decisions below stay sequential, in queue order: same result on any thread count.
  std::vector<char> possible(candidates.size(), 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, candidates.size(), 64), [&](const auto& range) {
    for (size_t i = range.begin(); i != range.end(); ++i)
      possible[i] = first_backfill_pool(core, candidates[i], role, reserved) >= 0;
  });
  for (size_t i = 0; i < candidates.size(); ++i) {
    const int job = candidates[i];
    if (!possible[i] || core.workload().training[job].gpus > most_free) continue;
    const int pool = first_backfill_pool(core, job, role, reserved);
    if (pool < 0 || !core.start_training(job, pool)) continue;
    if (pool == reserved.pool &&
        core.now() + core.estimated_runtime_s(job, pool) > reserved.start_s)
      reserved.spare_gpus -= core.workload().training[job].gpus;
    if ((most_free = most_free_gpus(core, role)) == 0) return;
  }
}

}  // namespace gpufleet
