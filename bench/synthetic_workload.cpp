// Writes a training-heavy workload of N jobs for a fleet of G GPUs: Poisson arrivals that keep
// the training pools about 90% loaded, sizes from 8 to 576 GPUs, plus one inference service and
// a lease request per day. Used by bench/run.sh to measure simulation throughput.
#include <cstdio>
#include <random>
#include <string>

#include "core/atomic_files.hpp"
#include "core/workload_io.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s JOBS TRAINING_GPUS INFERENCE_GPUS OUT.json\n", argv[0]);
    return 2;
  }
  const long jobs = std::stol(argv[1]);
  const double training_gpus = std::stod(argv[2]), inference_gpus = std::stod(argv[3]);
  std::mt19937_64 rng(42);
  const int sizes[] = {8, 8, 16, 32, 64, 72, 144, 288, 576};
  std::discrete_distribution<int> size_pick({30, 20, 15, 12, 8, 6, 5, 3, 1});
  std::lognormal_distribution<double> hours(std::log(4.0), 0.8);
  double mean_gpu_s = 0;
  for (int i = 0; i < 9; ++i) mean_gpu_s += size_pick.probabilities()[i] * sizes[i];
  mean_gpu_s *= 4.0 * std::exp(0.32) * 3600;  // mean of the lognormal duration
  std::exponential_distribution<double> gap(0.9 * training_gpus / mean_gpu_s);

  gpufleet::Workload w;
  double t = 0;
  for (long j = 0; j < jobs; ++j) {
    t += gap(rng);
    gpufleet::TrainingJob job;
    job.id = "j" + std::to_string(j);
    job.submit_s = std::round(t);
    job.gpus = sizes[size_pick(rng)];
    job.work_flops = job.gpus * 2.5e15 * 0.4 * std::min(hours(rng), 24.0 * 14) * 3600;
    job.generations = {{"GB200", 0.4, 0}, {"GB300", 0, 1.1}};
    job.gradient_bytes = 1.4e11;
    job.steps = 1000;
    w.training.push_back(job);
  }
  w.horizon_s = t;
  gpufleet::InferenceService s;
  s.id = "chat";
  s.gpus_per_replica = 8;
  s.latency_target_s = 1;
  s.flops_per_unit = 1.4e11;
  s.generations = {{"H100", 21400, 0.8}};
  for (int h = 0; h < 24; ++h)
    s.demand.values.push_back(inference_gpus / 8 * 21400 *
                              (0.5 + 0.4 * std::sin(h / 24.0 * 6.283)));
  w.inference.push_back(s);
  for (int d = 0; d * 86400 < t; ++d)
    w.leases.push_back(
        {"lease" + std::to_string(d), 8, "H100", d * 86400.0, 7 * 86400.0, 2.0, false});
  gpufleet::write_file_atomically(argv[4], gpufleet::workload_to_json(w).dump());
  std::fprintf(stderr, "%ld jobs over %.1f days\n", jobs, t / 86400);
  return 0;
}
