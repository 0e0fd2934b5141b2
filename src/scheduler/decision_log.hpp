#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpufleet {

// `gpufleet run --decision-log` (docs/policies.md, "The decision log"): every action the core
// carries out, with the policy part that decided it and why. The core records integer codes
// only, and only when a log is attached; names are looked up when the file is written, so a run
// without the log builds no string.

// What was decided: the rows' `action`.
enum class DecisionAction : int {
  kStart,
  kPreempt,
  kKill,
  kScaleUp,    // a replica added
  kScaleDown,  // a replica removed
  kAcceptLease,
  kRejectLease,
  kReclaimLease,
  kContractStart,
  kContractEnd,
};
inline const char* to_string(DecisionAction action) {
  static const char* const names[] = {
      "start",        "preempt",      "kill",          "scale_up",       "scale_down",
      "accept_lease", "reject_lease", "reclaim_lease", "contract_start", "contract_end"};
  return names[static_cast<int>(action)];
}

// Who decided: a policy part, or the core itself (failures, contracts, walltimes, leases no part
// decided). Codes past the built-in ones name parts added at run time (DecisionLog::part_code,
// e.g. "python:MyPolicy").
enum class DecisionPart : int {
  kCore,
  kFifo,
  kBackfill,
  kReplay,
  kHeteroAware,
  kSlurm,
  kSpillover,
  kLeaseIdle,
  kPreemptPriority,
  kAutoscale,
  kStaticPartition,
  kBuiltinCount,
};

// Why, as a short code. As for parts, codes past the built-in ones are added at run time.
enum class DecisionReason : int {
  kNone,
  kHeadFits,               // fifo: the queue's head fits
  kBackfillShadowOk,       // backfill: it fits now and does not delay the head's reservation
  kRecordedStart,          // replay: its recorded start came
  kOverdue,                // hetero-aware: waited past its fairness bound
  kMostGain,               // hetero-aware: gains most from this generation
  kPriorityOrder,          // slurm: next in multifactor priority order
  kSpillAfterWait,         // spillover: waited spillover_wait_h, runs on an inference pool
  kMigrateBack,            // spillover: moved back to a preferred training pool
  kInferenceReclaims,      // spillover: inference needs the GPUs a spilled job holds
  kPreemptForPriority,     // preempt-priority: a higher-priority job needs the GPUs
  kPriorityStart,          // preempt-priority: started on GPUs freed for it
  kLeaseIdleHeadroom,      // lease-idle: the lease fits in GPUs inference does not need
  kNoSpareGpus,            // lease-idle: no pool has room for the lease
  kLeaseOutranksTraining,  // lease-idle: an on-demand lease outranks training (class ranks)
  kNoticeEnded,            // lease-idle: a preemptible lease's notice period is over
  kNoLeasePolicy,          // static-partition: leases are refused
  kUndecided,              // core: no part decided the lease in its pass
  kDemandRise,             // scaling: provisioned capacity below the target
  kDemandFall,             // scaling: a replica is no longer needed for the target
  kFailure,                // core: the GPUs failed
  kContractStart,          // core: a contract's term takes the GPUs
  kContractEnd,            // core: a contract's term ended
  kWalltime,               // core: the run reached its walltime
  kBuiltinCount,
};

inline const std::vector<std::string>& builtin_part_names() {
  static const std::vector<std::string> names = {
      "core",         "order:fifo",         "backfill",
      "order:replay", "order:hetero-aware", "order:slurm",
      "spillover",    "lease-idle",         "preempt-priority",
      "autoscale",    "static-partition"};
  return names;
}

inline const std::vector<std::string>& builtin_reason_names() {
  static const std::vector<std::string> names = {"",
                                                 "head_fits",
                                                 "backfill_shadow_ok",
                                                 "recorded_start",
                                                 "overdue",
                                                 "most_gain",
                                                 "priority_order",
                                                 "spill_after_wait",
                                                 "migrate_back",
                                                 "inference_reclaims",
                                                 "preempt_for_priority",
                                                 "priority_start",
                                                 "lease_idle_headroom",
                                                 "no_spare_gpus",
                                                 "lease_outranks_training",
                                                 "notice_ended",
                                                 "no_lease_policy",
                                                 "undecided",
                                                 "demand_rise",
                                                 "demand_fall",
                                                 "failure",
                                                 "contract_start",
                                                 "contract_end",
                                                 "walltime"};
  return names;
}

// One row. `id` indexes the workload's training jobs, services, leases or contracts by action;
// for replicas, `replica` is the core's replica id.
struct Decision {
  double time_s = 0;
  DecisionAction action = DecisionAction::kStart;
  int id = 0;
  int replica = -1;
  int pool = -1;
  int gpus = 0;
  DecisionPart part = DecisionPart::kCore;
  DecisionReason reason = DecisionReason::kNone;
};

class DecisionLog {
 public:
  void record(const Decision& decision) { rows_.push_back(decision); }
  const std::vector<Decision>& rows() const { return rows_; }

  // The code of a part or reason named at run time (a Python policy's class, its own reason):
  // the built-in one of that name, else a new code, the same for the same name.
  DecisionPart part_code(std::string_view name) {
    return static_cast<DecisionPart>(intern(parts_, name));
  }
  DecisionReason reason_code(std::string_view name) {
    return static_cast<DecisionReason>(intern(reasons_, name));
  }
  const std::string& name_of(DecisionPart part) const { return parts_[static_cast<int>(part)]; }
  const std::string& name_of(DecisionReason reason) const {
    return reasons_[static_cast<int>(reason)];
  }

 private:
  static int intern(std::vector<std::string>& names, std::string_view name) {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return static_cast<int>(i);
    names.emplace_back(name);
    return static_cast<int>(names.size() - 1);
  }

  std::vector<Decision> rows_;
  std::vector<std::string> parts_ = builtin_part_names();
  std::vector<std::string> reasons_ = builtin_reason_names();
};

}  // namespace gpufleet
