#pragma once

#include <map>
#include <string>
#include <vector>

#include "metrics/run_series.hpp"
#include "metrics/usage_timeline.hpp"
#include "scheduler/actions.hpp"
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
  int preemptions = 0;         // by a policy
  double lost_work_flops = 0;  // work redone after preemptions and interruptions
  int interruptions = 0;       // by failures of its GPUs
  double held_s = 0;           // time its GPUs were held, over all its runs
  // Where the GPU-time it held went (docs/metrics.md), GPU-seconds of its allocated GPUs; the
  // six add up to held_s x allocated GPUs. Each is time as spent: a restart cut short by the
  // next failure, a preemption or the horizon counts the part it got through.
  double useful_gpu_s = 0;                   // progress kept (checkpointed, completed, at horizon)
  double redone_after_failure_gpu_s = 0;     // progress since the last checkpoint, lost to failures
  double redone_after_preemption_gpu_s = 0;  // the same, lost to preemptions by a policy
  double restart_gpu_s = 0;                  // reloading before computing again
  double restart_after_failure_gpu_s = 0;    // the part of restart_gpu_s that followed failures
  double checkpoint_gpu_s = 0;               // writing checkpoints
  double killed_at_walltime_gpu_s = 0;       // progress since the last checkpoint of a run killed
                                             // at its walltime (never redone: not requeued)
  double killed_s = -1;        // killed at its walltime (Slurm's TIMEOUT; never completes); -1: not
  double last_run_end_s = -1;  // when its latest run stopped (preemption, end, horizon)
  double contention = 0;       // N of finish-time fairness (ContentionTracker); 0 if unfinished
};

struct ReplicaRun {
  int service = 0;
  int pool = 0;
  int gpus = 0;
  double start_s = 0;
  double ready_s = 0;  // loaded, serving from then (its start at time 0: serving before the run)
  double end_s = -1;   // -1: still running at the horizon
  ReplicaStop reason = ReplicaStop::kScaledDown;  // why it stopped, when end_s >= 0
};

struct LeaseRun {
  bool decided = false;
  bool accepted = false;
  int pool = -1;
  double start_s = -1;
  double end_s = -1;       // -1: still running at the horizon
  bool reclaimed = false;  // ended by the operator before its term
};

// A contract's term as it ran: the GPUs it held on each pool (fewer than contracted only when
// failed GPUs were down at its start).
struct ContractRun {
  double start_s = -1;  // -1: its term began after the horizon
  double end_s = -1;    // -1: still running at the horizon
  std::vector<int> gpus_by_pool;
};

// One failure (docs/failures.md): where, why, and what it took down.
struct FailureEvent {
  double time_s = 0;
  int pool = 0;
  int cause = 0;           // index into the failure model's causes
  int gpus_down = 0;       // taken out of service until repaired
  int jobs_hit = 0;        // training jobs interrupted
  int replicas_hit = 0;    // inference replicas lost
  int lease_gpus_hit = 0;  // leased GPUs hit (the lease goes on: docs/failures.md)
  int domain = -1;         // the NVLink domain struck, index into Fleet::domains
  int gpu = 0;             // the GPU struck, within its domain
};

struct ServiceRun {
  double demand_units = 0;   // integral of demand over [0, horizon)
  double served_units = 0;   // integral of min(demand, capacity)
  double on_time_units = 0;  // of those, served within the latency target
  double shed_units = 0;     // refused above the replicas' admission limit, or with none
  // Per-unit latency percentiles (infinity: more than 1 - p of requests shed).
  double latency_p50_s = 0, latency_p90_s = 0, latency_p99_s = 0;
  // Time to first token and per output token, the same way (docs/inference-latency.md).
  double ttft_p50_s = 0, ttft_p90_s = 0, ttft_p99_s = 0;
  double tpot_p50_s = 0, tpot_p90_s = 0, tpot_p99_s = 0;
  double worst_hour_slo_attainment = 1;
};

// Everything a run produced, from which every output file is derived.
struct RunResult {
  std::string policy;
  std::map<std::string, double> policy_params;
  std::string forecast = "weekly";  // what inference scaling knew of demand ahead
  unsigned long seed = 0;
  PlacementRule placement = PlacementRule::kTopology;
  std::string plan_with = "walltime";  // what planning knew of job lengths (--plan-with)
  std::string walltime = "kill";       // what a run reaching its walltime met (--walltime)
  double horizon_s = 0;
  ModelAssumptions assumptions;
  std::vector<TrainingRun> training;
  std::vector<ReplicaRun> replicas;
  std::vector<LeaseRun> leases;
  std::vector<ContractRun> contracts;
  std::vector<ServiceRun> services;
  double inference_worst_hour = 1;  // lowest hourly on-time share over all services' demand
  bool failures_enabled = false;
  double restart_delay_s = 0;               // an interrupted job's reload (--restart-delay)
  std::vector<std::string> failure_causes;  // names, in the model's order
  std::vector<FailureEvent> failures;
  std::vector<double> energy_j_per_pool;
  UsageTimeline timeline{1, 1, 1};
  RunSeries series;
  long events = 0;  // timed events and job ends the simulation handed to the scheduler
};

}  // namespace gpufleet
