#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

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
  for (int pool : core.job_pools(head)) {
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

// Whether the job may start on the pool now without delaying the reservation: it has room,
// and it ends before the reservation or uses only spare GPUs there.
bool may_backfill(const SchedulerCore& core, int job, int pool, PoolRole role,
                  const Reservation& reserved) {
  const int gpus = core.workload().training[job].gpus;
  if (core.fleet().pools[pool].role != role || core.free_gpus(pool) < gpus) return false;
  const bool ends_in_time = core.now() + core.estimated_runtime_s(job, pool) <= reserved.start_s;
  return pool != reserved.pool || ends_in_time || gpus <= reserved.spare_gpus;
}

// Where the job would go on the first pool, in its order of preference, that may take it.
// Read-only: candidates are planned in parallel.
std::optional<Placement> plan_backfill(const SchedulerCore& core, int job, PoolRole role,
                                       const Reservation& reserved) {
  for (int pool : core.job_pools(job))
    if (may_backfill(core, job, pool, role, reserved))
      if (auto placement = core.placement_for(pool, core.workload().training[job].gpus))
        return placement;
  return std::nullopt;
}

}  // namespace

void backfill_training(SchedulerCore& core, PoolRole role) {
  if (core.waiting_training().size() < 2) return;
  // Most calls come with full pools: find that out before computing a reservation.
  int most_free = most_free_gpus(core, role);
  if (most_free == 0) return;
  Reservation reserved = reserve_for(core, core.waiting_training().front(), role);
  const std::vector<int> candidates(std::next(core.waiting_training().begin()),
                                    core.waiting_training().end());
  // Candidates are planned in chunks, each in parallel against the state at the chunk's start
  // (placement is the costly part), then decided sequentially in queue order, using the plan
  // while its GPUs are still free. Starting jobs only takes GPUs and spare away, so a job
  // without a plan cannot start later in the pass. Chunks bound the planning wasted when the
  // pools fill early. The plans depend on the state only: the same result on any thread count.
  constexpr size_t kChunk = 256;
  std::vector<std::optional<Placement>> planned(kChunk);
  for (size_t first = 0; first < candidates.size(); first += kChunk) {
    const size_t count = std::min(kChunk, candidates.size() - first);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, count, 32), [&](const auto& range) {
      for (size_t i = range.begin(); i != range.end(); ++i)
        planned[i] = core.workload().training[candidates[first + i]].gpus > most_free
                         ? std::nullopt
                         : plan_backfill(core, candidates[first + i], role, reserved);
    });
    for (size_t i = 0; i < count; ++i) {
      const int job = candidates[first + i];
      if (!planned[i] || core.workload().training[job].gpus > most_free) continue;
      int pool = -1;
      for (int p : core.job_pools(job))
        if (may_backfill(core, job, p, role, reserved)) {
          pool = p;
          break;
        }
      if (pool < 0) continue;
      const bool started = pool == planned[i]->pool && core.start_training_at(job, *planned[i]);
      if (!started && !core.start_training(job, pool)) continue;
      if (pool == reserved.pool &&
          core.now() + core.estimated_runtime_s(job, pool) > reserved.start_s)
        reserved.spare_gpus -= core.workload().training[job].gpus;
      if ((most_free = most_free_gpus(core, role)) == 0) return;
    }
  }
}

}  // namespace gpufleet
