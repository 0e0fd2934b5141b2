#pragma once

#include <vector>

#include "core/fleet.hpp"
#include "core/policy.hpp"

namespace gpufleet {

class SchedulerCore;

// What a (possibly combined) policy name asks for, with its parameters resolved.
struct PolicyPlan {
  bool backfill = false;   // easy-backfill, else FIFO
  bool spillover = false;  // training may run on inference pools after a wait
  PolicyParams params;     // every parameter of the named parts, defaults filled in
};

// The one policy class: the parts of a plan applied in a fixed order on every call.
std::unique_ptr<Policy> make_composed_policy(PolicyPlan plan);

// Building blocks the parts share.
// Starts waiting training jobs in queue order on pools of `role` until the head does not fit.
void start_training_fifo(SchedulerCore& core, PoolRole role);
// EASY backfilling: starts later jobs that fit now without delaying the head's reservation
// (runtimes estimated by SchedulerCore::estimated_runtime_s).
void backfill_training(SchedulerCore& core, PoolRole role);
// Starts jobs that have waited at least `wait_s` on inference pools with room, if their
// training state fits the GPUs' memory.
void spill_over(SchedulerCore& core, double wait_s);
// The most free GPUs on any pool of `role`: a job larger than that cannot start anywhere.
int most_free_gpus(const SchedulerCore& core, PoolRole role);
// Refuses every lease request still pending.
void refuse_leases(SchedulerCore& core);

// Holds, on pools of a role, the replicas each service's peak demand needs, whatever the hour.
class PeakProvisioning {
 public:
  void apply(SchedulerCore& core, PoolRole role);

 private:
  std::vector<double> peaks_;  // per service; the curves do not change during a run
};

}  // namespace gpufleet
