#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/fleet.hpp"
#include "core/policy.hpp"

namespace gpufleet {

class SchedulerCore;

// What a (possibly combined) policy name asks for, with its parameters resolved.
struct PolicyPlan {
  bool backfill = false;          // easy-backfill, else FIFO
  bool spillover = false;         // training may run on inference pools after a wait
  bool lease_idle = false;        // inference follows demand; leases take what it leaves idle
  bool preempt_priority = false;  // higher-priority training preempts lower
  bool replay = false;            // training starts at its recorded start, as in its trace
  PolicyParams params;            // every parameter of the named parts, defaults filled in
};

// The one policy class: the parts of a plan applied in a fixed order on every call.
std::unique_ptr<Policy> make_composed_policy(PolicyPlan plan);

// Building blocks the parts share.
// Starts waiting training jobs in queue order on pools of `role` until the head does not fit.
void start_training_fifo(SchedulerCore& core, PoolRole role);
// EASY backfilling: starts later jobs that fit now without delaying the head's reservation
// (runtimes estimated by SchedulerCore::estimated_runtime_s).
void backfill_training(SchedulerCore& core, PoolRole role);
// Starts jobs that have waited at least `wait_s` on inference pools with room (at most
// usable_gpus(pool) GPUs of a pool), if their training state fits the GPUs' memory.
void spill_over(SchedulerCore& core, double wait_s,
                const std::function<int(int pool)>& usable_gpus);
// The most free GPUs on any pool of `role`: a job larger than that cannot start anywhere.
int most_free_gpus(const SchedulerCore& core, PoolRole role);
// Starts waiting jobs, highest priority first, by preempting running jobs of lower priority
// on their pools of `role`; the preempted restart from their last checkpoint after
// restart_delay_s.
void preempt_for_priority(SchedulerCore& core, PoolRole role, double restart_delay_s);
// Moves spilled jobs back to a training pool of a generation they prefer when one has room and
// the move (a restart after restart_delay_s, up to a checkpoint interval redone) pays off.
void migrate_back(SchedulerCore& core, double restart_delay_s);
// Starts each waiting job that has a recorded start once that time comes, on any pool of a
// model it may use (one domain if it fits in one), and asks to be woken at the recorded
// starts still ahead. Jobs without a recorded start (never scheduled in the trace) wait.
void start_recorded(SchedulerCore& core);
// Refuses every lease request still pending.
void refuse_leases(SchedulerCore& core);

// What Meta and xAI did: external leases take the inference GPUs that inference leaves idle.
// On-demand leases get only GPUs above inference's peak reserve (peak x (1 + headroom));
// preemptible ones may use any idle GPU and are reclaimed, newest first, after a notice period
// when inference needs their GPUs. Replicas are held for the peak, as in static-partition, or,
// with follow_demand, follow the demand one notice period ahead (plus the headroom), which
// frees the troughs for preemptible leases.
class IdleLeasing {
 public:
  IdleLeasing(double headroom, double notice_s, bool follow_demand);
  void apply(SchedulerCore& core);
  // Free GPUs of the pool that inference's peak reserve does not claim (valid after apply()
  // in the same scheduling call).
  int spare_gpus(const SchedulerCore& core, int pool) const;

 private:
  void reserve_for_peaks(const SchedulerCore& core);
  void count_inference_held(const SchedulerCore& core);
  static bool has_inference_pool(const SchedulerCore& core, const std::string& model);
  void reclaim_when_due(SchedulerCore& core);
  std::map<std::string, int> scale_inference(SchedulerCore& core);
  void give_notice(SchedulerCore& core, const std::map<std::string, int>& missing);
  void decide_requests(SchedulerCore& core);

  const double headroom_;
  const double notice_s_;
  const bool follow_demand_;
  bool reserved_computed_ = false;
  std::map<std::string, int> reserved_;  // GPUs by model that inference may need at its peak
  std::vector<int> preemptible_;         // accepted preemptible leases, in acceptance order
  std::map<int, double> notice_ends_;    // lease under notice -> when it is reclaimed
  std::map<std::string, int> held_;      // GPUs by model that replicas hold (this call)
};

// Holds, on pools of a role, the replicas each service's peak demand needs, whatever the hour.
class PeakProvisioning {
 public:
  void apply(SchedulerCore& core, PoolRole role);

 private:
  std::vector<double> peaks_;  // per service; the curves do not change during a run
};

}  // namespace gpufleet
