#include "metrics/recorder.hpp"

#include <algorithm>
#include <cmath>

#include "metrics/fragmentation.hpp"

namespace gpufleet {

RunTime split_run_time(double held_s, double restart_delay_s, double period_s, double stretch,
                       bool stopped) {
  RunTime t;
  t.restart_s = std::clamp(held_s, 0.0, restart_delay_s);
  // Differences, not now - compute start: the parts then add up to held_s to rounding.
  const double ran = std::max(0.0, held_s - t.restart_s);
  const double progress = ran / stretch;
  t.checkpoint_s = ran - progress;
  // Checkpoints fall every period_s of running time, progress taken as even over it.
  t.kept_s =
      stopped ? std::min(progress, std::floor(ran / period_s) * period_s / stretch) : progress;
  t.redone_s = progress - t.kept_s;
  return t;
}

Recorder::Recorder(const Fleet& fleet, const Workload& workload, double horizon_s,
                   double interval_s, ModelAssumptions assumptions)
    : fleet_(fleet),
      workload_(workload),
      contention_(fleet, workload),
      slo_(fleet, workload, horizon_s) {
  result_.horizon_s = horizon_s;
  result_.assumptions = assumptions;
  result_.training.resize(workload.training.size());
  run_start_.resize(workload.training.size(), 0.0);
  result_.leases.resize(workload.leases.size());
  result_.contracts.resize(workload.contracts.size());
  result_.services.resize(workload.inference.size());
  result_.timeline = UsageTimeline(static_cast<int>(fleet.pools.size()), horizon_s, interval_s);
  result_.series = RunSeries(static_cast<int>(fleet.pools.size()),
                             static_cast<int>(workload.inference.size()), horizon_s, interval_s);
  for (const auto& service : workload.inference) {
    auto& per_pool = bf16_per_flop_.emplace_back();
    for (const auto& pool : fleet.pools)
      per_pool.push_back(1 / service.dtype_speedup_on(pool.gpu_model));
  }
}

double Recorder::pool_rate(int pool, double mfu, int gpus) const {
  return fleet_.pools[pool].peak_flops_per_gpu * mfu * gpus;
}

void Recorder::training_submitted(int job, double now) {
  contention_.submitted(job, now);
}

void Recorder::action_taken(const Action& action, double now) {
  if (const auto* a = std::get_if<StartTraining>(&action)) {
    contention_.started(a->job, a->placement.pool, now);
    auto& run = result_.training[a->job];
    run.pool = a->placement.pool;
    run.generation = a->generation;
    if (run.start_s < 0) run.start_s = now;
    run_start_[a->job] = now;
  } else if (const auto* a = std::get_if<PreemptTraining>(&action)) {
    contention_.preempted(a->job, now);
  } else if (const auto* a = std::get_if<StartReplica>(&action)) {
    result_.replicas.resize(std::max<size_t>(result_.replicas.size(), a->replica + 1));
    result_.replicas[a->replica] = {a->service, a->placement.pool, a->placement.gpus(),
                                    now,        a->ready_s,        -1};
  } else if (const auto* a = std::get_if<StopReplica>(&action)) {
    result_.replicas[a->replica].reason = a->reason;
    close_replica(a->replica, now);
  } else if (const auto* a = std::get_if<StartLease>(&action)) {
    result_.leases[a->lease] = {true, true, a->placement.pool, now, -1};
  } else if (const auto* a = std::get_if<RejectLease>(&action)) {
    result_.leases[a->lease].decided = true;
  } else if (const auto* a = std::get_if<ReclaimLease>(&action)) {
    lease_ended(a->lease, now);
    result_.leases[a->lease].reclaimed = true;
  } else if (const auto* a = std::get_if<StartContract>(&action)) {
    auto& run = result_.contracts[a->contract];
    run.start_s = now;
    run.gpus_by_pool.assign(fleet_.pools.size(), 0);
    for (const auto& placement : a->placements)
      run.gpus_by_pool[placement.pool] += placement.gpus();
  } else if (const auto* a = std::get_if<EndContract>(&action)) {
    contract_ended(a->contract, now);
  }
}

// A contract's GPUs count as held by an external tenant, like a lease's.
void Recorder::contract_ended(int contract, double now) {
  auto& run = result_.contracts[contract];
  run.end_s = now;
  for (size_t p = 0; p < run.gpus_by_pool.size(); ++p)
    if (run.gpus_by_pool[p] > 0)
      result_.timeline.add(
          static_cast<int>(p), JobClass::kLease, run.start_s, now, run.gpus_by_pool[p],
          pool_rate(static_cast<int>(p), result_.assumptions.lease_mfu, run.gpus_by_pool[p]));
}

// Time x the job's allocated GPUs, as the timeline and jobs.csv count what it held.
void Recorder::book(int job, const RunTime& time, double TrainingRun::*redone) {
  auto& run = result_.training[job];
  const double gpus = workload_.training[job].allocated_gpus();
  run.useful_gpu_s += time.kept_s * gpus;
  run.*redone += time.redone_s * gpus;
  run.restart_gpu_s += time.restart_s * gpus;
  if (time.restart_after_failure) run.restart_after_failure_gpu_s += time.restart_s * gpus;
  run.checkpoint_gpu_s += time.checkpoint_s * gpus;
}

void Recorder::close_run(int job, double now, double useful_flops, bool completed) {
  auto& run = result_.training[job];
  run.work_done_flops += useful_flops;
  if (completed) {
    run.end_s = now;
    run.contention = contention_.completed(job, now);
  }
  // Useful work is spread evenly over the time the run held its GPUs (compute and gradient
  // exchange alike), so the timeline's FLOPs add up to the work done.
  const double start = run_start_[job];
  const double held = now - start;
  run.held_s += held;
  run.last_run_end_s = now;
  result_.timeline.add(run.pool, JobClass::kTraining, start, now,
                       workload_.training[job].allocated_gpus(),
                       held > 0 ? useful_flops / held : 0);
}

void Recorder::training_ended(int job, double now, double useful_flops, bool completed,
                              const RunTime& time) {
  // Nothing is redone when a run completes or reaches the horizon (split_run_time keeps it all).
  book(job, time, &TrainingRun::redone_after_preemption_gpu_s);
  close_run(job, now, useful_flops, completed);
}

void Recorder::training_preempted(int job, double now, double useful_flops, double lost_flops,
                                  const RunTime& time) {
  book(job, time, &TrainingRun::redone_after_preemption_gpu_s);
  close_run(job, now, useful_flops, false);
  ++result_.training[job].preemptions;
  result_.training[job].lost_work_flops += lost_flops;
}

void Recorder::training_interrupted(int job, double now, double useful_flops, double lost_flops,
                                    const RunTime& time) {
  book(job, time, &TrainingRun::redone_after_failure_gpu_s);
  close_run(job, now, useful_flops, false);
  ++result_.training[job].interruptions;
  result_.training[job].lost_work_flops += lost_flops;
}

void Recorder::training_killed(int job, double now, double useful_flops, const RunTime& time) {
  book(job, time, &TrainingRun::killed_at_walltime_gpu_s);
  close_run(job, now, useful_flops, false);
  result_.training[job].killed_s = now;
  contention_.completed(job, now);  // it leaves the system: no longer shares a pool
}

void Recorder::close_replica(int replica, double now) {
  auto& run = result_.replicas[replica];
  run.end_s = now;
  result_.timeline.add(run.pool, JobClass::kInference, run.start_s, now, run.gpus, 0);
}

void Recorder::lease_ended(int lease, double now) {
  auto& run = result_.leases[lease];
  run.end_s = now;
  const int gpus = workload_.leases[lease].gpus;
  result_.timeline.add(run.pool, JobClass::kLease, run.start_s, now, gpus,
                       pool_rate(run.pool, result_.assumptions.lease_mfu, gpus));
}

void Recorder::inference_until(double now, const SchedulerCore& core) {
  const double t0 = inference_clock_;
  inference_clock_ = std::max(inference_clock_, now);
  const double span = std::min(now, result_.horizon_s) - t0;
  if (span <= 0) return;
  const auto& services = workload_.inference;
  for (size_t s = 0; s < services.size(); ++s) {
    const auto& capacity_by_pool = core.capacity_by_pool(static_cast<int>(s));
    const double demand = core.demand(static_cast<int>(s));
    const double capacity = core.capacity(static_cast<int>(s));
    const double served = std::min(demand, capacity);
    result_.services[s].demand_units += demand * span;
    result_.services[s].served_units += served * span;
    result_.series.demand_units.add(static_cast<int>(s), t0, t0 + span, demand);
    result_.series.served_units.add(static_cast<int>(s), t0, t0 + span, served);
    const double on_time = slo_.add(static_cast<int>(s), t0, t0 + span, demand, capacity_by_pool);
    result_.series.on_time_units.add(static_cast<int>(s), t0, t0 + span, on_time);
    if (served <= 0) continue;
    for (size_t p = 0; p < capacity_by_pool.size(); ++p)
      if (capacity_by_pool[p] > 0)
        result_.timeline.add(static_cast<int>(p), JobClass::kInference, t0, t0 + span, 0,
                             served * capacity_by_pool[p] / capacity * services[s].flops_per_unit *
                                 bf16_per_flop_[s][p]);
  }
}

void Recorder::state_until(double now, const SchedulerCore& core) {
  const double t0 = state_clock_;
  state_clock_ = std::max(state_clock_, now);
  const double t1 = std::min(now, result_.horizon_s);
  if (t1 <= t0) return;
  auto& series = result_.series;
  series.training_queue.add(0, t0, t1, static_cast<double>(core.waiting_training().size()));
  const auto fragmented = fragmented_idle_gpus(core);
  for (int p = 0; p < static_cast<int>(fragmented.size()); ++p) {
    series.idle_gpus.add(p, t0, t1, core.free_gpus(p));
    series.fragmented_gpus.add(p, t0, t1, fragmented[p]);
    series.down_gpus.add(p, t0, t1, core.down_gpus(p));
  }
}

RunResult Recorder::finish(std::vector<double> energy_j_per_pool) {
  const double horizon = result_.horizon_s;
  for (size_t r = 0; r < result_.replicas.size(); ++r)
    if (result_.replicas[r].end_s < 0) {
      close_replica(static_cast<int>(r), horizon);
      result_.replicas[r].end_s = -1;
    }
  for (size_t c = 0; c < result_.contracts.size(); ++c)
    if (result_.contracts[c].start_s >= 0 && result_.contracts[c].end_s < 0) {
      contract_ended(static_cast<int>(c), horizon);
      result_.contracts[c].end_s = -1;
    }
  for (size_t l = 0; l < result_.leases.size(); ++l)
    if (result_.leases[l].accepted && result_.leases[l].end_s < 0) {
      lease_ended(static_cast<int>(l), horizon);
      result_.leases[l].end_s = -1;
    }
  for (size_t s = 0; s < result_.services.size(); ++s) {
    const auto latency = slo_.result(static_cast<int>(s));
    auto& service = result_.services[s];
    service.on_time_units = latency.on_time_units;
    service.shed_units = latency.shed_units;
    service.latency_p50_s = latency.p50_s;
    service.latency_p90_s = latency.p90_s;
    service.latency_p99_s = latency.p99_s;
    service.ttft_p50_s = latency.ttft_p50_s;
    service.ttft_p90_s = latency.ttft_p90_s;
    service.ttft_p99_s = latency.ttft_p99_s;
    service.tpot_p50_s = latency.tpot_p50_s;
    service.tpot_p90_s = latency.tpot_p90_s;
    service.tpot_p99_s = latency.tpot_p99_s;
    service.worst_hour_slo_attainment = latency.worst_hour;
  }
  result_.inference_worst_hour = slo_.worst_hour();
  result_.energy_j_per_pool = std::move(energy_j_per_pool);
  return std::move(result_);
}

}  // namespace gpufleet
