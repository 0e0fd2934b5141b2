#pragma once

#include "metrics/contention.hpp"
#include "metrics/run_result.hpp"
#include "metrics/slo_tracker.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "scheduler/actions.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

// Turns what happens during a run into a RunResult: per-job records and the usage timeline.
class Recorder {
 public:
  Recorder(const Fleet& fleet, const Workload& workload, double horizon_s, double interval_s,
           ModelAssumptions assumptions);

  void training_submitted(int job, double now);
  void action_taken(const Action& action, double now);
  // A run of a training job stopped (completed, or cut at the horizon); `useful_flops` is the
  // work that run added.
  void training_ended(int job, double now, double useful_flops, bool completed);
  void training_preempted(int job, double now, double useful_flops, double lost_flops);
  // A failure of its GPUs stopped the run; restart_gpu_s is what its reload will cost.
  void training_interrupted(int job, double now, double useful_flops, double lost_flops,
                            double restart_gpu_s);
  void training_checkpointed(int job, double checkpoint_gpu_s);
  // The run reached its walltime and was killed: `useful_flops` is the work it saved in
  // checkpoints; lost_gpu_s the GPU-time it held after its last one.
  void training_killed(int job, double now, double useful_flops, double lost_gpu_s);
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
};

}  // namespace gpufleet
