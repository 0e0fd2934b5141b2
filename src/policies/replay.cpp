#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

namespace {

// The semaphore that wakes the scheduler lands within rounding of the requested time.
constexpr double kTimeTolerance = 1e-6;

// A pool of the job's models with room, preferring one where it fits on one node (domain),
// as a pod of the trace runs on one machine.
bool start_anywhere(SchedulerCore& core, int job) {
  std::optional<Placement> spread;
  for (int pool : core.job_pools(job)) {
    const auto placement = core.placement_for(pool, core.workload().training[job].gpus);
    if (!placement) continue;
    if (placement->domains() == 1) return core.start_training_at(job, *placement);
    if (!spread) spread = placement;
  }
  return spread && core.start_training_at(job, *spread);
}

}  // namespace

void start_recorded(SchedulerCore& core) {
  if (core.waiting_with_recorded_start() == 0) return;       // a generated workload: none ever ran
  const auto waiting = core.waiting_training().to_vector();  // starting a job edits the queue
  for (int job : waiting) {
    const double start = core.workload().training[job].recorded_start_s;
    if (start < 0) continue;  // never ran in the trace: never starts in its replay
    if (start > core.now() + kTimeTolerance)
      core.wake_at(start);
    else
      start_anywhere(core, job);  // late only if the platform is smaller than the trace's
  }
}

}  // namespace gpufleet
