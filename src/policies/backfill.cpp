#include "policies/backfill.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"
#include "scheduler/waiting_merge.hpp"

namespace gpufleet {

Reservation reserve_for(const SchedulerCore& core, int head, PoolRole role) {
  const auto& fleet = core.fleet();
  const int gpus = core.workload().training[head].gpus;
  Reservation best;
  for (int pool : core.job_pools(head)) {
    if (fleet.pools[pool].role != role || fleet.pools[pool].gpus() < gpus) continue;
    int free = core.free_gpus(pool);
    double start = core.now();
    // Running jobs past their planned end (a limit not enforced, --walltime ignore) count as
    // ending now, in job order (the order of ties decides which of them the spare GPUs come
    // from); the rest in order of planned end.
    const auto& ends = core.running_by_planned_end(pool);
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

bool may_backfill(const SchedulerCore& core, int job, int pool, PoolRole role,
                  const Reservation& reserved, int free, int spare) {
  const int gpus = core.workload().training[job].gpus;
  if (core.fleet().pools[pool].role != role || free < gpus) return false;
  const bool ends_in_time = core.now() + core.planned_runtime_s(job, pool) <= reserved.start_s;
  return pool != reserved.pool || ends_in_time || gpus <= spare;
}

int backfill_pool(const SchedulerCore& core, int job, PoolRole role, const Reservation& reserved) {
  for (int p : core.job_pools(job))
    if (may_backfill(core, job, p, role, reserved, core.free_gpus(p), reserved.spare_gpus))
      return p;
  return -1;
}

void book_backfilled(const SchedulerCore& core, int job, int pool, Reservation& reserved) {
  if (pool == reserved.pool && core.now() + core.planned_runtime_s(job, pool) > reserved.start_s)
    reserved.spare_gpus -= core.workload().training[job].gpus;
}

namespace {

// The state a chunk's placements are planned against: the state at its start. Until the
// chunk's first start that is the core's own; the free GPUs per domain are copied just
// before it.
struct ChunkStart {
  int most_free = 0;
  int spare = 0;
  std::vector<int> free_per_pool;
  std::optional<std::vector<int>> free_per_domain;
};

ChunkStart chunk_start(const SchedulerCore& core, int most_free, const Reservation& reserved) {
  ChunkStart state{most_free, reserved.spare_gpus, {}, std::nullopt};
  for (size_t p = 0; p < core.fleet().pools.size(); ++p)
    state.free_per_pool.push_back(core.free_gpus(static_cast<int>(p)));
  return state;
}

// Where the job would have gone at the chunk's start, on the first pool, in its order of
// preference, that may take it.
std::optional<Placement> plan_backfill(const SchedulerCore& core, int job, PoolRole role,
                                       const Reservation& reserved, const ChunkStart& state) {
  const int gpus = core.workload().training[job].gpus;
  if (gpus > state.most_free) return std::nullopt;
  for (int pool : core.job_pools(job)) {
    if (!may_backfill(core, job, pool, role, reserved, state.free_per_pool[pool], state.spare))
      continue;
    auto placement = state.free_per_domain ? core.placement_on(*state.free_per_domain, pool, gpus)
                                           : core.placement_for(pool, gpus);
    if (placement) return placement;
  }
  return std::nullopt;
}

// The waiting jobs behind the head that could still backfill, in queue order, a chunk of
// queue positions at a time (the chunk each job would fall in were the whole queue read), read
// from the core's runs of jobs of one pool, size and runtime class (WaitingMerge): a run is
// dropped once its jobs no longer fit the free GPUs or, on the reserved pool, neither fit its
// spare nor end before it. A superset: may_backfill decides.
class Candidates {
 public:
  Candidates(const SchedulerCore& core, PoolRole role, const Reservation& reserved, int head,
             size_t chunk)
      : core_(core),
        reserved_(reserved),
        head_(head),
        chunk_(chunk),
        // Ends before the reservation, with a margin over rounding.
        shorter_than_s_(reserved.start_s - core.now() + 1e-6 * (1 + std::abs(reserved.start_s))),
        merge_([this](const WaitingMerge::Run& run) { return alive(run); },
               [this](const WaitingMerge::Run& run, int job) { return fits(run, job); }) {
    for (size_t p = 0; p < core.fleet().pools.size(); ++p) {
      if (core.fleet().pools[p].role != role) continue;
      for (const auto& [kind, jobs] : core.waiting_runs(static_cast<int>(p))) {
        if (kind.first > core.free_gpus(static_cast<int>(p))) break;  // runs by size
        merge_.add({static_cast<int>(p), kind.first, kind.second, jobs.begin(), jobs.end()});
      }
    }
  }

  // The next chunk's candidates; empty when none is left.
  std::vector<int> next_chunk() {
    std::vector<int> jobs;
    std::optional<int> job = pending_ ? pending_ : merge_.next();
    pending_.reset();
    if (!job) return jobs;
    const size_t chunk = chunk_of(*job);
    jobs.push_back(*job);
    while ((job = merge_.next())) {
      if (chunk_of(*job) != chunk) {
        pending_ = job;
        break;
      }
      jobs.push_back(*job);
    }
    return jobs;
  }
  // Each start moves the jobs behind it one position up: chunks count from the pass's start.
  void started() { ++started_; }

 private:
  // On the reserved pool, a run of jobs larger than its spare counts only if some of its
  // runtime class may end before the reservation; those are then tested one by one.
  bool alive(const WaitingMerge::Run& run) const {
    if (run.gpus > core_.free_gpus(run.pool)) return false;
    if (run.pool != reserved_.pool || run.gpus <= reserved_.spare_gpus) return true;
    return SchedulerCore::runtime_class_range(run.kind).first * (1 - 1e-9) <= shorter_than_s_;
  }
  bool fits(const WaitingMerge::Run& run, int job) const {
    if (job == head_) return false;
    if (run.pool != reserved_.pool || run.gpus <= reserved_.spare_gpus) return true;
    return core_.planned_runtime_s(job, run.pool) <= shorter_than_s_;
  }
  size_t chunk_of(int job) const {
    return (core_.waiting_training().position(job) + started_ - 1) / chunk_;
  }

  const SchedulerCore& core_;
  const Reservation& reserved_;
  const int head_;
  const size_t chunk_;
  const double shorter_than_s_;
  WaitingMerge merge_;
  size_t started_ = 0;
  std::optional<int> pending_;  // read ahead: the first job of the next chunk
};

}  // namespace

void backfill_training(SchedulerCore& core, PoolRole role) {
  if (core.waiting_training().size() < 2) return;
  // Most calls come with full pools: find that out before computing a reservation.
  int most_free = most_free_gpus(core, role);
  if (most_free == 0) return;
  const int head = core.waiting_training().front();
  Reservation reserved = reserve_for(core, head, role);
  // Candidates come in chunks of queue positions behind the head. A job is placed where it
  // would have gone at its chunk's start, if those GPUs are still free, else where it fits
  // now: the rule of the parallel planner this replaced (it placed every candidate of a chunk
  // against the chunk's start), kept so that every decision stays the same; only jobs that
  // may start now are planned. Starting jobs only takes GPUs and spare away, so a job that
  // cannot start now cannot later in the pass.
  constexpr size_t kChunk = 256;
  Candidates candidates(core, role, reserved, head, kChunk);
  for (auto chunk = candidates.next_chunk(); !chunk.empty(); chunk = candidates.next_chunk()) {
    ChunkStart state = chunk_start(core, most_free, reserved);
    for (int job : chunk) {
      if (core.workload().training[job].gpus > most_free) continue;
      const int pool = backfill_pool(core, job, role, reserved);
      if (pool < 0) continue;
      const auto planned = plan_backfill(core, job, role, reserved, state);
      if (!planned) continue;
      if (!state.free_per_domain) state.free_per_domain = core.free_per_domain();
      const bool started = pool == planned->pool && core.start_training_at(job, *planned);
      if (!started && !core.start_training(job, pool)) continue;
      candidates.started();
      book_backfilled(core, job, pool, reserved);
      if ((most_free = most_free_gpus(core, role)) == 0) return;
    }
  }
}

}  // namespace gpufleet
