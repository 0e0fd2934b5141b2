#include <algorithm>
#include <cmath>
#include <limits>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"
#include "scheduler/waiting_merge.hpp"

namespace gpufleet {

namespace {

// Mixed-precision training with Adam keeps about 16 bytes per parameter (BF16 weights and
// gradients, FP32 master weights and two moments), sharded over the job's GPUs (ZeRO-3/FSDP).
// Activations are left out: the test is a floor, not a guarantee.
constexpr double kTrainingBytesPerParameter = 16;

}  // namespace

bool training_state_fits(const TrainingJob& job, const Pool& pool) {
  const double parameters = job.gradient_bytes / 2;  // BF16 gradients: 2 bytes per parameter
  return kTrainingBytesPerParameter * parameters / job.gpus <= pool.hbm_gb * 1e9;
}

void spill_over(SchedulerCore& core, double wait_s,
                const std::function<int(int pool)>& usable_gpus) {
  const auto& fleet = core.fleet();
  // What each inference pool offers; it only shrinks as jobs start, so a job larger than every
  // pool's offer now cannot start later in this pass. Asked again after each start.
  std::vector<int> usable(fleet.pools.size(), 0);
  int most_usable = 0;
  const auto refresh = [&] {
    most_usable = 0;
    for (size_t p = 0; p < fleet.pools.size(); ++p)
      if (fleet.pools[p].role == PoolRole::kInference) {
        usable[p] = usable_gpus(static_cast<int>(p));
        most_usable = std::max(most_usable, usable[p]);
      }
  };
  refresh();
  // The jobs that may spill: those that fit what some inference pool of theirs offers, in queue
  // order, read only while some do (WaitingMerge), that have waited long enough. Compared as a
  // time, with a tolerance: the wake-up asked for below lands at exactly submit_s + wait_s,
  // where now - submit_s may round to just under wait_s.
  WaitingMerge candidates(
      [&](const WaitingMerge::Run& run) { return run.gpus <= usable[run.pool]; });
  for (size_t p = 0; p < fleet.pools.size() && core.any_waited(wait_s); ++p)
    for (const auto& [kind, jobs] : core.waiting_runs(static_cast<int>(p))) {
      if (kind.first > usable[p]) break;  // runs by size
      candidates.add({static_cast<int>(p), kind.first, kind.second, jobs.begin(), jobs.end()});
    }
  while (const auto next = candidates.next()) {
    const int job = *next;
    const auto& spec = core.workload().training[job];
    if (spec.gpus > most_usable || spec.submit_s + wait_s > core.now() + 1e-9) continue;
    // Pools in the job's order of preference; on a slower generation it runs longer.
    for (int pool : core.job_pools(job)) {
      const auto& p = fleet.pools[pool];
      if (p.role != PoolRole::kInference || usable[pool] < spec.gpus ||
          !training_state_fits(spec, p))
        continue;
      if (core.start_training(job, pool)) {
        refresh();
        break;
      }
    }
  }
  // A job crossing the threshold is no event of its own: ask to be called then.
  const double next_eligible = core.next_wait_crossing(wait_s);
  if (std::isfinite(next_eligible)) core.wake_at(next_eligible);
}

void migrate_back(SchedulerCore& core, double restart_delay_s) {
  const auto& fleet = core.fleet();
  const std::vector<int> running = core.running_training();  // a copy: migrating edits it
  for (int job : running) {
    const int here = core.placement_of(job)->pool;
    if (fleet.pools[here].role != PoolRole::kInference) continue;
    const auto& spec = core.workload().training[job];
    // What the planner knows: the time left to the planned end (the walltime, never the true run
    // time), at least nothing.
    const double left_here =
        std::max(0.0, core.started_at(job) + core.planned_runtime_s(job, here) - core.now());
    // The job's training pools of generations it prefers to the one it runs on.
    const int current = core.generation_on(job, here);
    for (int there : core.job_pools(job)) {
      if (core.generation_on(job, there) >= current) break;  // preference order
      if (fleet.pools[there].role != PoolRole::kTraining || core.free_gpus(there) < spec.gpus)
        continue;
      // Worth it only if the faster pool finishes sooner after paying for the move: the
      // reload, and up to one checkpoint interval of work redone.
      // The same work at the faster generation's speed: the relative speeds are the workload's
      // throughput matrix, which the scheduler knows.
      const double left_there = left_here * core.rate_on(job, here) / core.rate_on(job, there) +
                                restart_delay_s + spec.checkpoint_interval_s;
      if (left_there >= left_here) continue;
      core.preempt_training(job, restart_delay_s);
      core.start_training(job, there);
      break;
    }
  }
}

}  // namespace gpufleet
