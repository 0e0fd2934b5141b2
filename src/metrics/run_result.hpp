#pragma once

#include <map>
#include <string>
#include <vector>

#include "metrics/run_series.hpp"
#include "metrics/usage_timeline.hpp"
#include "scheduler/placement.hpp"

namespace gpufleet {

// Assumptions of the model that no input file carries; each is documented in docs/metrics.md.
struct ModelAssumptions {
  double lease_mfu = 0.35;  // useful FLOPs of an external tenant (unknown to us; EST)
};

struct TrainingRun {
  int pool = -1;
  int generation = -1;
  double start_s = -1;         // -1: never started
  double end_s = -1;           // -1: not finished by the horizon
  double work_done_flops = 0;  // useful work kept (checkpointed or completed)
  int preemptions = 0;
  double lost_work_flops = 0;  // work redone after preemptions
  double held_s = 0;           // time its GPUs were held, over all its runs
  double last_run_end_s = -1;  // when its latest run stopped (preemption, end, horizon)
  double contention = 0;       // N of finish-time fairness (ContentionTracker); 0 if unfinished
};

struct ReplicaRun {
  int service = 0;
  int pool = 0;
  int gpus = 0;
  double start_s = 0;
  double end_s = -1;  // -1: still running at the horizon
};

struct LeaseRun {
  bool decided = false;
  bool accepted = false;
  int pool = -1;
  double start_s = -1;
  double end_s = -1;       // -1: still running at the horizon
  bool reclaimed = false;  // ended by the operator before its term
};

struct ServiceRun {
  double demand_units = 0;  // integral of demand over [0, horizon)
  double served_units = 0;  // integral of min(demand, capacity)
};

// Everything a run produced, from which every output file is derived.
struct RunResult {
  std::string policy;
  std::map<std::string, double> policy_params;
  unsigned long seed = 0;
  PlacementRule placement = PlacementRule::kTopology;
  double horizon_s = 0;
  ModelAssumptions assumptions;
  std::vector<TrainingRun> training;
  std::vector<ReplicaRun> replicas;
  std::vector<LeaseRun> leases;
  std::vector<ServiceRun> services;
  std::vector<double> energy_j_per_pool;
  UsageTimeline timeline{1, 1, 1};
  RunSeries series;
  long events = 0;  // timed events and job ends the simulation handed to the scheduler
};

}  // namespace gpufleet
