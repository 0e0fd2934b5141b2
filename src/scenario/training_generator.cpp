#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>

#include "model/gpu_catalog.hpp"
#include "scenario/scenario_parts.hpp"
#include "scenario/walltime_model.hpp"

namespace gpufleet {

namespace {

// Stream 1000 + c for class c: each 30-day block's arrival times, then the size and duration
// of each of its jobs (RenewalProcess, kReferenceS): a longer horizon continues the stream.
constexpr std::uint64_t kTrainingStream = 1000;
// Stream 5000 + c: the class's estimate values, then each block's estimates and their
// assignment to its jobs. A stream of its own (2000 + s is the inference services'): the jobs,
// sizes and durations are those drawn without walltimes.
constexpr std::uint64_t kWalltimeStream = 5000;
// The users' stream: drawn after the jobs, in submission order, so that adding users changed
// no other draw and a longer horizon keeps the first jobs' users.
constexpr std::uint64_t kUserStream = 4000;

// Training pools of the models jobs may use, in GPUs of the first generation's speed.
double capacity_in_first_generation(const TrainingMix& mix, const std::vector<PoolSpec>& fleet) {
  const double first = mix.relative_speed.at(mix.generations.front());
  double gpus = 0;
  for (const auto& pool : fleet)
    if (is_training_pool(pool) && mix.relative_speed.count(pool.model))
      gpus += pool.gpus * mix.relative_speed.at(pool.model) / first;
  return gpus;
}

int largest_training_pool(const TrainingMix& mix, const std::vector<PoolSpec>& fleet) {
  int largest = 0;
  for (const auto& pool : fleet)
    if (is_training_pool(pool) && mix.relative_speed.count(pool.model))
      largest = std::max(largest, pool.gpus);
  return largest;
}

std::vector<TrainingGeneration> generations_of(const TrainingMix& mix, double mfu) {
  std::vector<TrainingGeneration> out;
  const double first = mix.relative_speed.at(mix.generations.front());
  for (size_t i = 0; i < mix.generations.size(); ++i) {
    TrainingGeneration g;
    g.model = mix.generations[i];
    if (i == 0)
      g.mfu = mfu;
    else  // the workload format turns this into an MFU with the platform's peaks
      g.relative_speed = mix.relative_speed.at(g.model) / first;
    out.push_back(g);
  }
  return out;
}

std::string job_id(const std::string& cls, size_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "-%06zu", index);
  return cls + buffer;
}

// One job of the class: its size, then its duration (returned with it, in seconds on the first
// generation), from the class's stream.
std::pair<TrainingJob, double> draw_job(const TrainingMix& mix, const TrainingClass& cls,
                                        double scale, int cap, double peak, Rng& rng) {
  TrainingJob job;
  job.gpus = draw_gpus(rng.uniform(), cls.gpus, scale, cap);
  const double duration_s = std::max(1.0, std::round(draw_lognormal(rng, cls.duration_h) * 3600));
  job.work_flops = job.gpus * peak * cls.mfu * duration_s;
  job.generations = generations_of(mix, cls.mfu);
  job.gradient_bytes = 2 * cls.params;
  job.steps = std::max(1L, std::lround(duration_s / cls.step_s));
  job.checkpoint_interval_s = mix.checkpoint_interval_h * 3600;
  job.priority = cls.priority;
  return {job, duration_s};
}

std::string numbered(const char* format, int n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, n);
  return buffer;
}

}  // namespace

std::pair<int, int> users_at_scale(const UserMix& users, double scale) {
  if (users.count <= 0) return {0, 0};
  const int accounts = static_cast<int>(std::max(1L, std::lround(users.accounts * scale)));
  const int count = static_cast<int>(std::max<long>(accounts, std::lround(users.count * scale)));
  return {count, accounts};
}

void assign_users(const UserMix& mix, double scale, unsigned long seed,
                  std::vector<TrainingJob>& jobs) {
  const auto [count, accounts] = users_at_scale(mix, scale);
  if (count == 0) return;
  // Zipf's law by inversion of its cumulative weights: rank r has weight r^-s.
  std::vector<double> cumulative(count);
  double total = 0;
  for (int r = 1; r <= count; ++r) cumulative[r - 1] = total += std::pow(r, -mix.zipf_exponent);
  Rng rng(seed, kUserStream);
  for (auto& job : jobs) {
    const double u = rng.uniform() * total;
    const int rank = static_cast<int>(std::min<std::ptrdiff_t>(
        count - 1, std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin()));
    job.user = numbered("user-%03d", rank + 1);
    job.account = numbered("team-%02d", rank % accounts + 1);
  }
}

DrawnTraining generate_training(const TrainingMix& mix, const std::vector<PoolSpec>& fleet,
                                double scale, double horizon_s, unsigned long seed) {
  DrawnTraining out;
  const double capacity = capacity_in_first_generation(mix, fleet);
  const int cap = largest_training_pool(mix, fleet);
  if (capacity <= 0 || cap <= 0 || mix.classes.empty()) return out;
  const double peak = find_gpu(mix.generations.front())->bf16_flops;
  double gpu_seconds = 0;
  for (size_t c = 0; c < mix.classes.size(); ++c) {
    const auto& cls = mix.classes[c];
    // Little's law: mean GPUs asked for = arrival rate x mean GPU-seconds per job.
    const double target_gpus = cls.share_of_demand * mix.offered_load * capacity;
    const double per_job = mean_gpus(cls.gpus, scale, cap) * cls.duration_h.mean() * 3600;
    const double mean_gap_s = per_job / target_gpus;
    const double g = mix.growth_per_month;
    if (mean_gap_s > 0 && std::isfinite(mean_gap_s))
      check_arrival_count(grown_time_s(g, drawn_until_s(horizon_s)) / mean_gap_s);
    Rng rng(seed, kTrainingStream + c);
    RenewalProcess arrivals(rng, mean_gap_s, cls.interarrival_cv);
    // Users' estimates (Tsafrir et al. 2005), for a log of the class's jobs in 30 days.
    Rng walltime_rng(seed, kWalltimeStream + c);
    std::optional<EstimateModel> estimates;
    if (cls.max_walltime_h > 0)
      estimates.emplace(cls.max_walltime_h * 3600, kReferenceS / mean_gap_s, walltime_rng);
    size_t index = 0;
    for (double block = 0; block < horizon_s; block += kReferenceS) {
      // Arrivals at a rate growing by g a month: the ungrown process on the grown time. Drawn
      // past the horizon too, as a longer horizon draws them.
      std::vector<double> times, durations;
      std::vector<TrainingJob> jobs;
      for (const double tau : arrivals.until(grown_time_s(g, block + kReferenceS))) {
        times.push_back(time_of_grown_s(g, tau));
        auto [job, duration_s] = draw_job(mix, cls, scale, cap, peak, rng);
        jobs.push_back(std::move(job));
        durations.push_back(duration_s);
      }
      // Each block's jobs are a log to which the users' estimates are assigned.
      if (estimates) {
        const auto walltimes = estimates->assign(durations, walltime_rng);
        for (size_t j = 0; j < jobs.size(); ++j) jobs[j].walltime_s = walltimes[j];
      }
      for (size_t j = 0; j < jobs.size(); ++j) {
        if (times[j] >= horizon_s) continue;
        jobs[j].id = job_id(cls.name, index++);
        jobs[j].submit_s = std::floor(times[j]);  // whole seconds keep the files short
        gpu_seconds += jobs[j].gpus * durations[j];
        out.jobs.push_back(std::move(jobs[j]));
      }
    }
  }
  // One queue in submission order; ties keep the class order of the scenario.
  std::stable_sort(out.jobs.begin(), out.jobs.end(),
                   [](const auto& a, const auto& b) { return a.submit_s < b.submit_s; });
  assign_users(mix.users, scale, seed, out.jobs);
  out.offered_load = gpu_seconds / (capacity * horizon_s);
  return out;
}

}  // namespace gpufleet
