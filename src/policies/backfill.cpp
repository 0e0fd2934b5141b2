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
    int free = core.free_gpus(pool);
    double start = core.now();
    // Running jobs past their estimate count as ending now, in job order (the order of ties
    // decides which of them the spare GPUs come from); the rest in order of estimated end.
    const auto& ends = core.running_by_estimated_end(pool);
    auto next = ends.begin();
    std::vector<int> overdue;
    for (; next != ends.end() && next->first <= core.now(); ++next) overdue.push_back(next->second);
    std::sort(overdue.begin(), overdue.end());
    for (size_t i = 0; free < gpus && i < overdue.size(); ++i)
      free += core.workload().training[overdue[i]].gpus;
    for (; free < gpus && next != ends.end(); ++next) {
      free += core.workload().training[next->second].gpus;
      start = next->first;
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

// The waiting jobs behind the head that fit a pool of the role now, in queue order, with the
// chunk of queue positions each falls in. The others cannot start in this pass (starting
// takes GPUs, never gives them back), and the queue behind them is not read at all.
std::pair<std::vector<int>, std::vector<size_t>> fitting_now(const SchedulerCore& core, int head,
                                                             PoolRole role, size_t chunk) {
  std::vector<int> limit(core.fleet().pools.size(), 0);
  for (size_t p = 0; p < limit.size(); ++p)
    if (core.fleet().pools[p].role == role) limit[p] = core.free_gpus(static_cast<int>(p));
  std::vector<int> jobs = core.waiting_within(limit);
  std::erase(jobs, head);
  std::vector<size_t> chunk_of;
  chunk_of.reserve(jobs.size());
  for (int job : jobs) chunk_of.push_back((core.waiting_training().position(job) - 1) / chunk);
  return {std::move(jobs), std::move(chunk_of)};
}

}  // namespace

void backfill_training(SchedulerCore& core, PoolRole role) {
  if (core.waiting_training().size() < 2) return;
  // Most calls come with full pools: find that out before computing a reservation.
  int most_free = most_free_gpus(core, role);
  if (most_free == 0) return;
  const int head = core.waiting_training().front();
  Reservation reserved = reserve_for(core, head, role);
  // Candidates are planned in chunks of queue positions behind the head, each in parallel
  // against the state at the chunk's start (placement is the costly part), then decided
  // sequentially in queue order, using the plan while its GPUs are still free. Starting jobs
  // only takes GPUs and spare away, so a job without a plan cannot start later in the pass.
  // Chunks bound the planning wasted when the pools fill early. The plans depend on the state
  // only: the same result on any thread count.
  constexpr size_t kChunk = 256;
  const auto [candidates, chunk_of] = fitting_now(core, head, role, kChunk);
  std::vector<std::optional<Placement>> planned(kChunk);
  for (size_t first = 0, count = 0; first < candidates.size(); first += count) {
    count = std::upper_bound(chunk_of.begin() + first, chunk_of.end(), chunk_of[first]) -
            (chunk_of.begin() + first);
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
