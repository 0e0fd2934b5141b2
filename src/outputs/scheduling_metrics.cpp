#include "outputs/scheduling_metrics.hpp"

#include <algorithm>
#include <limits>

#include "metrics/stats.hpp"

namespace gpufleet {

namespace {

// A cap that keeps fairness_rho finite (no output holds inf or nan); no real job comes near.
constexpr double kMaxRho = 1e12;

// Useful FLOP/s of one GPU of the job's first-listed generation.
double first_generation_rate(const Fleet& fleet, const TrainingJob& job) {
  const auto& first = job.generations.front();
  return fleet.peak_flops_of_model(first.model) * first.mfu;
}

}  // namespace

std::optional<JobFigures> job_figures(const Fleet& fleet, const TrainingJob& job,
                                      const TrainingRun& run) {
  if (run.end_s < 0) return std::nullopt;
  JobFigures f;
  f.jct_s = run.end_s - job.submit_s;
  f.run_s = run.held_s;
  f.wait_s = f.jct_s - f.run_s;
  f.bounded_slowdown = std::max(1.0, f.jct_s / std::max(f.run_s, kSlowdownTau_s));
  // 1/N of the preferred pool, but never more GPUs than the gang asks for.
  const auto pools = fleet.pools_of_model(job.generations.front().model);
  const double pool_gpus = pools.empty() ? job.gpus : fleet.pools[pools.front()].gpus();
  const double share = std::min<double>(job.gpus, pool_gpus / std::max(1.0, run.contention));
  f.isolated_s = job.work_flops / (share * first_generation_rate(fleet, job));
  // Finite whatever the input: a job that takes no time alone and none shared was treated fairly.
  f.fairness_rho = f.isolated_s > 0 ? f.jct_s / f.isolated_s : (f.jct_s > 0 ? kMaxRho : 1.0);
  f.fairness_rho = std::min(f.fairness_rho, kMaxRho);
  return f;
}

double lost_gpu_hours(const Fleet& fleet, const TrainingJob& job, const TrainingRun& run) {
  return run.lost_work_flops / first_generation_rate(fleet, job) / 3600;
}

nlohmann::json scheduling_metrics_json(const Fleet& fleet, const Workload& w, const RunResult& r) {
  std::vector<double> slowdowns, rhos;
  double first_submit = std::numeric_limits<double>::infinity(), last_end = 0;
  bool complete = true;
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& job = w.training[j];
    if (job.submit_s >= r.horizon_s) continue;
    first_submit = std::min(first_submit, job.submit_s);
    const auto f = job_figures(fleet, job, r.training[j]);
    complete = complete && f.has_value();
    if (!f) continue;
    last_end = std::max(last_end, r.training[j].end_s);
    slowdowns.push_back(f->bounded_slowdown);
    rhos.push_back(f->fairness_rho);
  }
  const double horizon = r.series.training_queue.horizon_s();
  return {{"bounded_slowdown", to_json(distribution_of(slowdowns))},
          {"fairness_rho", to_json(distribution_of(rhos))},
          {"makespan_s", slowdowns.empty() ? 0.0 : last_end - first_submit},
          {"makespan_complete", complete},
          {"queue_length_mean", horizon > 0 ? r.series.training_queue.total(0) / horizon : 0}};
}

}  // namespace gpufleet
