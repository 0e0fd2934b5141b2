#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/gpu_catalog.hpp"
#include "scenario/scenario_parts.hpp"

namespace gpufleet {

namespace {

// Streams 1000 + 2c (arrival times) and 1000 + 2c + 1 (sizes, durations) for class c: a job's
// size does not depend on how many arrivals the window holds.
constexpr std::uint64_t kTrainingStream = 1000;

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

}  // namespace

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
    Rng rng(seed, kTrainingStream + c);
    const auto arrivals =
        renewal_arrivals(rng, per_job / target_gpus, cls.interarrival_cv, horizon_s);
    for (size_t i = 0; i < arrivals.size(); ++i) {
      TrainingJob job;
      job.id = job_id(cls.name, i);
      job.submit_s = arrivals[i];
      job.gpus = draw_gpus(rng.uniform(), cls.gpus, scale, cap);
      const double duration_s =
          std::max(1.0, std::round(draw_lognormal(rng, cls.duration_h) * 3600));
      job.work_flops = job.gpus * peak * cls.mfu * duration_s;
      job.generations = generations_of(mix, cls.mfu);
      job.gradient_bytes = 2 * cls.params;
      job.steps = std::max(1L, std::lround(duration_s / cls.step_s));
      job.checkpoint_interval_s = mix.checkpoint_interval_h * 3600;
      job.priority = cls.priority;
      gpu_seconds += job.gpus * duration_s;
      out.jobs.push_back(std::move(job));
    }
  }
  // One queue in submission order; ties keep the class order of the scenario.
  std::stable_sort(out.jobs.begin(), out.jobs.end(),
                   [](const auto& a, const auto& b) { return a.submit_s < b.submit_s; });
  out.offered_load = gpu_seconds / (capacity * horizon_s);
  return out;
}

}  // namespace gpufleet
