#pragma once

#include <memory>
#include <vector>

#include "core/fleet.hpp"
#include "core/policy.hpp"

namespace gpufleet {

class SchedulerCore;

// Building blocks that several policies share.
// Starts waiting training jobs in queue order on pools of `role` until the head does not fit.
void start_training_fifo(SchedulerCore& core, PoolRole role);
// EASY backfilling: starts later jobs that fit now without delaying the head's reservation
// (runtimes estimated by SchedulerCore::estimated_runtime_s).
void backfill_training(SchedulerCore& core, PoolRole role);
// Refuses every lease request still pending.
void refuse_leases(SchedulerCore& core);

// Holds, on pools of a role, the replicas each service's peak demand needs, whatever the hour.
class PeakProvisioning {
 public:
  void apply(SchedulerCore& core, PoolRole role);

 private:
  std::vector<double> peaks_;  // per service; the curves do not change during a run
};

// One factory per policy file.
std::unique_ptr<Policy> make_static_partition();
std::unique_ptr<Policy> make_easy_backfill();

}  // namespace gpufleet
