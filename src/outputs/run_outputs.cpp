#include "outputs/run_outputs.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "outputs/csv_numbers.hpp"
#include "outputs/scheduling_metrics.hpp"
#include "outputs/summary.hpp"

namespace gpufleet {

namespace {

// GPU-hours of a span that may still be open at the horizon (end < 0).
double gpu_hours(int gpus, double start, double end, double horizon) {
  return start < 0 ? 0 : gpus * ((end >= 0 ? end : horizon) - start) / 3600;
}

struct Row {
  const std::string& id;
  const char* job_class;
  std::string pool, model;
  int gpus;
  double submit, start, end;
  const char* state;
  double gpu_hours;  // held, over all runs
  int preemptions;
  std::string standard;  // lost_gpu_hours,bounded_slowdown,fairness_rho (training only)
  std::string who;       // priority,user,account (training only)
  std::string money;     // price_per_gpu_hour,revenue_usd (leases only)
};

void append(std::string& out, const Row& r) {
  // The columns after the standard ones came later (issue 28): appended, so that a notebook
  // reading the earlier columns by name or by position reads them still.
  const std::string wait = r.start >= 0 ? csv_seconds(std::max(0.0, r.start - r.submit)) : "";
  out += csv_text(r.id) + ',' + r.job_class + ',' + csv_text(r.pool) + ',' + csv_text(r.model) +
         ',' + std::to_string(r.gpus) + ',' + csv_seconds(r.submit) + ',' + csv_seconds(r.start) +
         ',' + csv_seconds(r.end) + ',' + r.state + ',' + csv_hours(r.gpu_hours) + ',' +
         std::to_string(r.preemptions) + ',' + r.standard + ',' + wait + ',' + r.who + ',' +
         r.money + '\n';
}

// The three standard columns, empty: leases have no such figures.
constexpr const char* kNoStandard = ",,";

// Lost work, and the slowdown and fairness of a completed job (empty until it completes).
std::string standard_columns(const Fleet& fleet, const TrainingJob& job, const TrainingRun& run) {
  const auto f = job_figures(fleet, job, run);
  const std::string lost = csv_fixed(lost_gpu_hours(fleet, job, run), 6);
  if (!f) return lost + ",,";
  return lost + ',' + csv_fixed(f->bounded_slowdown, 6) + ',' + csv_fixed(f->fairness_rho, 6);
}

std::string who_columns(const TrainingJob& job) {
  return std::to_string(job.priority) + ',' + csv_text(job.user) + ',' + csv_text(job.account);
}

// USD per GPU-hour and USD, to the micro-dollar.
std::string money_columns(const LeaseRequest& lease, const LeaseRun& run, double horizon_s) {
  return csv_fixed(lease.price_per_gpu_hour, 6) + ',' +
         csv_fixed(lease_revenue_usd(lease, run, horizon_s), 6);
}

}  // namespace

std::string jobs_csv(const Fleet& fleet, const Workload& w, const RunResult& r) {
  std::string out =
      "id,class,pool,gpu_model,gpus,submit_s,start_s,end_s,state,gpu_hours,preemptions,"
      "lost_gpu_hours,bounded_slowdown,fairness_rho,wait_s,priority,user,account,"
      "price_per_gpu_hour,revenue_usd\n";
  const auto pool_name = [&](int p) { return p >= 0 ? fleet.pools[p].name : std::string(); };
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& job = w.training[j];
    const auto& run = r.training[j];
    if (job.submit_s >= r.horizon_s) continue;
    const std::string model =
        run.pool >= 0 ? fleet.pools[run.pool].gpu_model : job.generations.front().model;
    // A job started, stopped before the horizon and not completed was preempted and waits, or
    // was killed at its walltime (it will not run again).
    const char* state = run.end_s >= 0                     ? "completed"
                        : run.killed_s >= 0                ? "timeout"
                        : run.start_s < 0                  ? "waiting"
                        : run.last_run_end_s < r.horizon_s ? "preempted"
                                                           : "running";
    append(out, {job.id, "training", pool_name(run.pool), model, job.gpus, job.submit_s,
                 run.start_s, run.end_s, state, job.allocated_gpus() * run.held_s / 3600,
                 run.preemptions, standard_columns(fleet, job, run), who_columns(job), ","});
  }
  for (size_t l = 0; l < w.leases.size(); ++l) {
    const auto& lease = w.leases[l];
    const auto& run = r.leases[l];
    if (!run.decided) continue;
    const char* state = !run.accepted    ? "rejected"
                        : run.reclaimed  ? "reclaimed"
                        : run.end_s >= 0 ? "completed"
                                         : "running";
    append(out, {lease.id, "lease", pool_name(run.pool), lease.model, lease.gpus, lease.start_s,
                 run.start_s, run.end_s, state,
                 gpu_hours(lease.gpus, run.start_s, run.end_s, r.horizon_s), 0, kNoStandard, ",,",
                 money_columns(lease, run, r.horizon_s)});
  }
  return out;
}

std::string timeseries_csv(const Fleet& fleet, const RunResult& r) {
  const auto& tl = r.timeline;
  // Bins are formatted in parallel (a year of hourly bins is ~100k rows) and joined in
  // order, so the text does not depend on the thread count.
  std::vector<std::string> rows(tl.bins());
  tbb::parallel_for(0, tl.bins(), [&](int bin) {
    for (int p = 0; p < tl.pools(); ++p)
      for (int c = 0; c < kJobClassCount; ++c) {
        const auto jc = static_cast<JobClass>(c);
        const double length = tl.bin_length(bin);
        rows[bin] += csv_fixed(tl.bin_start(bin), 0) + ',' + fleet.pools[p].name + ',' +
                     to_string(jc) + ',' + csv_fixed(tl.gpu_seconds(p, jc, bin) / length, 6) + ',' +
                     csv_scientific(tl.flops(p, jc, bin) / length, 6) + '\n';
      }
  });
  std::string out = "time_s,pool,class,allocated_gpus,effective_flops_per_s\n";
  for (const auto& row : rows) out += row;
  return out;
}

// What a row's `id` names: the training job, the service's replica (as replicas.csv names it,
// service/rN: its replicas numbered in start order), the lease or the contract.
std::string decisions_csv(const Fleet& fleet, const Workload& w, const DecisionLog& log) {
  std::string out = "time_s,action,id,pool,gpus,part,reason\n";
  std::vector<int> started(w.inference.size(), 0);
  std::vector<std::string> replica_names;
  for (const Decision& d : log.rows()) {
    std::string id;
    switch (d.action) {
      case DecisionAction::kStart:
      case DecisionAction::kPreempt:
      case DecisionAction::kKill:
        id = w.training[d.id].id;
        break;
      case DecisionAction::kScaleUp:
      case DecisionAction::kScaleDown:
        if (static_cast<size_t>(d.replica) >= replica_names.size())
          replica_names.resize(d.replica + 1);
        if (d.action == DecisionAction::kScaleUp)
          replica_names[d.replica] = w.inference[d.id].id + "/r" + std::to_string(started[d.id]++);
        id = replica_names[d.replica];
        break;
      case DecisionAction::kAcceptLease:
      case DecisionAction::kRejectLease:
      case DecisionAction::kReclaimLease:
        id = w.leases[d.id].id;
        break;
      case DecisionAction::kContractStart:
      case DecisionAction::kContractEnd:
        id = w.contracts[d.id].id;
        break;
    }
    out += csv_seconds(d.time_s) + ',' + to_string(d.action) + ',' + csv_text(id) + ',' +
           (d.pool >= 0 ? csv_text(fleet.pools[d.pool].name) : std::string()) + ',' +
           std::to_string(d.gpus) + ',' + csv_text(log.name_of(d.part)) + ',' +
           csv_text(log.name_of(d.reason)) + '\n';
  }
  return out;
}

}  // namespace gpufleet
