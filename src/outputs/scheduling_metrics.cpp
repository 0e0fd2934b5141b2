#include "outputs/scheduling_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

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

// A whole number with thousands separators, as people read counts and seconds ("3,160").
std::string grouped(double value) {
  std::string digits = std::to_string(std::llround(value));
  const size_t first = digits[0] == '-' ? 1 : 0;
  for (size_t at = digits.size(); at > first + 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
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

ReplayLateness replay_lateness(const Workload& w, const RunResult& r) {
  // A start is on time within the millisecond jobs.csv prints (the scheduler's wake-up lands
  // within rounding of the recorded time).
  constexpr double kOnTime_s = 1e-3;
  ReplayLateness l;
  double delay_sum = 0;
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& job = w.training[j];
    const double recorded = job.recorded_start_s;
    if (job.submit_s >= r.horizon_s || recorded < 0 || recorded >= r.horizon_s) continue;
    ++l.recorded;
    const double start = r.training[j].start_s;
    if (start < 0) {
      ++l.not_started;
    } else if (start > recorded + kOnTime_s) {
      ++l.started_late;
      delay_sum += start - recorded;
      l.max_delay_s = std::max(l.max_delay_s, start - recorded);
    }
  }
  l.mean_delay_s = l.started_late > 0 ? delay_sum / l.started_late : 0;
  return l;
}

bool replays_trace(const std::string& policy) {
  size_t from = 0;
  while (true) {
    const size_t plus = policy.find('+', from);
    if (policy.substr(from, plus - from) == "replay") return true;
    if (plus == std::string::npos) return false;
    from = plus + 1;
  }
}

nlohmann::json replay_json(const ReplayLateness& l) {
  return {{"jobs_recorded", l.recorded},
          {"jobs_started_late", l.started_late},
          {"jobs_not_started", l.not_started},
          {"late_start_delay_mean_s", l.mean_delay_s},
          {"late_start_delay_max_s", l.max_delay_s}};
}

std::string replay_warning(const nlohmann::json& summary) {
  if (!summary.contains("replay")) return "";
  const auto& r = summary["replay"];
  const long started_late = r["jobs_started_late"], not_started = r["jobs_not_started"];
  if (started_late + not_started == 0) return "";
  std::string text = "replay: " + grouped(started_late + not_started) + " of " +
                     grouped(r["jobs_recorded"].get<double>()) +
                     " jobs could not start at their recorded start (the fleet had too few free "
                     "GPUs)";
  if (started_late > 0)
    text += "; " + grouped(started_late) + " started on average " +
            grouped(r["late_start_delay_mean_s"].get<double>()) + " s later (max " +
            grouped(r["late_start_delay_max_s"].get<double>()) + " s)";
  if (not_started > 0) text += "; " + grouped(not_started) + " had not started by the horizon";
  return text + "; see jobs.csv wait_s and summary.json replay";
}

}  // namespace gpufleet
