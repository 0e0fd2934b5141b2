#pragma once

#include <functional>
#include <memory>
#include <string>

#include "metrics/run_result.hpp"
#include "model/failure_model.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "scheduler/decision_log.hpp"
#include "scheduler/policy.hpp"

namespace gpufleet {

struct SimulationOptions {
  double horizon_s = 0;
  double interval_s = 3600;  // time-series bin
  int max_phases = 8;        // compute/all-reduce rounds a training job is split into, at most
  double min_phase_s = 12 * 3600.0;  // compute time a round lasts at least
  unsigned long seed = 0;
  PlacementRule placement = PlacementRule::kTopology;  // see find_placement
  // What planning policies know of a job's length: walltimes, or exact run times (a reference).
  RuntimePlanning planning = RuntimePlanning::kWalltime;
  // A run still going at its walltime is killed (Slurm's TIMEOUT), or let run on.
  bool kill_at_walltime = true;
  std::string policy_name;
  std::string forecast_name = "weekly";
  ModelAssumptions assumptions;
  // Failures and checkpoint costs (docs/failures.md); off: nothing fails, checkpoints are free.
  FailureModel failures;
  // With failures on: checkpoint every Young/Daly interval (true) or every job's
  // checkpoint_interval_s (false).
  bool young_daly_checkpoints = true;
  std::function<void(double now_s)> on_progress;  // called as simulated time advances
  // Where the core records every decision (`run --decision-log`); none: nothing is recorded.
  DecisionLog* decisions = nullptr;
};

// Owns the process's one SimGrid engine: loads the platform, runs the workload under a
// policy, and returns what happened. Construct at most one per process (a SimGrid limit).
class Simulation {
 public:
  explicit Simulation(const std::string& platform_file);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const Fleet& fleet() const;
  RunResult run(const Workload& workload, Policy& policy, const SimulationOptions& options);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gpufleet
