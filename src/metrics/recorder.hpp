#pragma once

#include "metrics/contention.hpp"
#include "metrics/run_result.hpp"
#include "metrics/slo_tracker.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "scheduler/actions.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

// How one run of a training job spent its time on its GPUs, seconds (docs/metrics.md): the part
// of its restart delay it got through, checkpoint writing, and progress, kept or to be redone.
// The four add up to the time held.
struct RunTime {
  double restart_s = 0;
  bool restart_after_failure = false;  // what the restart followed: a failure, or a preemption
  double checkpoint_s = 0;
  double kept_s = 0;
  double redone_s = 0;
};

// The split of held_s for a run that owed restart_delay_s before computing, and then
// checkpointed every period_s of running time, its compute stretched by `stretch` (period /
// checkpoint interval; 1: checkpoints are free), checkpoint writes spread evenly over the
// running time as the simulation does. A `stopped` run (preempted or failed) keeps its progress
// up to its last checkpoint and redoes the rest; a run that completed or reached the horizon
// keeps it all.
RunTime split_run_time(double held_s, double restart_delay_s, double period_s, double stretch,
                       bool stopped);

// Turns what happens during a run into a RunResult: per-job records and the usage timeline.
class Recorder {
 public:
  Recorder(const Fleet& fleet, const Workload& workload, double horizon_s, double interval_s,
           ModelAssumptions assumptions);

  void training_submitted(int job, double now);
  void action_taken(const Action& action, double now);
  // A run of a training job stopped (completed, or cut at the horizon); `useful_flops` is the
  // work that run added, `time` where its time on the GPUs went.
  void training_ended(int job, double now, double useful_flops, bool completed,
                      const RunTime& time);
  // A policy preempted the run.
  void training_preempted(int job, double now, double useful_flops, double lost_flops,
                          const RunTime& time);
  // A failure of its GPUs stopped the run.
  void training_interrupted(int job, double now, double useful_flops, double lost_flops,
                            const RunTime& time);
  // The run reached its walltime and was killed: `useful_flops` is the work it saved in
  // checkpoints; `time` books its progress since the last one as killed_at_walltime.
  void training_killed(int job, double now, double useful_flops, const RunTime& time);
  void failure(const FailureEvent& event) { result_.failures.push_back(event); }
  void lease_ended(int lease, double now);
  void contract_ended(int contract, double now);
  // Integrates inference demand and served work over [last call, now) with the replicas
  // the core holds; call it before any change to demand or replicas.
  void inference_until(double now, const SchedulerCore& core);
  // Integrates the training queue and the pools' idle, fragmented and down GPUs over [last call,
  // now) with the core's state; call it before any change, like inference_until.
  void state_until(double now, const SchedulerCore& core);
  // Closes what still runs at the horizon.
  RunResult finish(std::vector<double> energy_j_per_pool);

 private:
  // Books a run's time on the GPUs, its redone part to `redone` (failures or preemptions).
  void book(int job, const RunTime& time, double TrainingRun::*redone);
  // The run's work, held time and timeline.
  void close_run(int job, double now, double useful_flops, bool completed);
  void close_replica(int replica, double now);
  double pool_rate(int pool, double mfu, int gpus) const;

  const Fleet& fleet_;
  const Workload& workload_;
  RunResult result_;
  double inference_clock_ = 0;
  double state_clock_ = 0;
  ContentionTracker contention_;
  SloTracker slo_;
  std::vector<double> run_start_;  // start of each training job's current run
  // [service][pool]: the BF16 FLOPs one useful FLOP of the service is worth on the pool (1/2
  // for FP8 on H100), so that effective utilization stays a share of the peak in use.
  std::vector<std::vector<double>> bf16_per_flop_;
};

}  // namespace gpufleet
