#pragma once

#include <variant>
#include <vector>

#include "scheduler/placement.hpp"

namespace gpufleet {

// What the scheduler core asks the simulation to carry out, in order.
struct StartTraining {
  int job = 0;
  int generation = 0;  // index into the job's generations
  Placement placement;
};
// Stops a running training job; it goes back to the queue and restarts from its last
// checkpoint, spending restart_delay_s on its GPUs (reloading it) before it computes again.
struct PreemptTraining {
  int job = 0;
  double restart_delay_s = 0;
  bool failure = false;  // a failure of its GPUs stopped it, not a policy
};
// Ends a running training job at its walltime (Slurm's TIMEOUT): not requeued, never completed;
// the work since its last checkpoint is lost.
struct KillTraining {
  int job = 0;
};
struct StartReplica {
  int replica = 0;
  int service = 0;
  Placement placement;
  double ready_s = 0;  // when it has loaded and serves (its start plus the cold start)
};
// Why a replica stopped (replicas.csv's `reason`).
enum class ReplicaStop { kScaledDown, kFailure, kContract };
inline const char* to_string(ReplicaStop reason) {
  switch (reason) {
    case ReplicaStop::kFailure:
      return "failure";
    case ReplicaStop::kContract:
      return "contract";
    case ReplicaStop::kScaledDown:
      break;
  }
  return "scaled_down";
}
struct StopReplica {
  int replica = 0;
  ReplicaStop reason = ReplicaStop::kScaledDown;
};
struct StartLease {
  int lease = 0;
  Placement placement;
};
struct RejectLease {
  int lease = 0;
};
// Ends an accepted lease before its term: the operator takes its GPUs back.
struct ReclaimLease {
  int lease = 0;
};

// A contract's term begins: the GPUs it holds, on one or more pools of its model.
struct StartContract {
  int contract = 0;
  std::vector<Placement> placements;
};
struct EndContract {
  int contract = 0;
};

using Action = std::variant<StartTraining, PreemptTraining, KillTraining, StartReplica, StopReplica,
                            StartLease, RejectLease, ReclaimLease, StartContract, EndContract>;

}  // namespace gpufleet
