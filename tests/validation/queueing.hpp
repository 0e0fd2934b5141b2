#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scenario/rng.hpp"

namespace gpufleet::validation {

// Erlang C for M/M/c with offered load a = lambda / mu (a < c): the probability that an
// arrival waits, and the mean wait in units of the mean service time.
struct ErlangC {
  double p_wait = 0;
  double mean_wait = 0;  // in mean service times
};
ErlangC erlang_c(int servers, double offered_load);

// An M/M/c queue of single-GPU training jobs on one pool of `servers` GB200 GPUs (one NVLink
// domain) under `fifo`.
struct MmcSpec {
  int servers = 8;
  double utilization = 0.8;  // rho = lambda / (c mu)
  long jobs = 100000;
  double mean_service_s = 1000;
  unsigned long seed = 1;
};

// What the simulator did with every job, and its recorded series.
struct MmcRun {
  std::vector<double> arrival_s, service_s;  // drawn
  std::vector<double> start_s, end_s;        // simulated
  double horizon_s = 0;
  double queue_job_seconds = 0;  // integral of the training queue series
  double busy_gpu_seconds = 0;   // integral of the pool's allocated training GPUs
  double idle_gpu_seconds = 0;   // integral of the pool's idle GPUs
  double fragmented_gpu_seconds = 0;
  double cpu_s = 0;  // CPU time of the simulation (child process)
};

// Draws the arrivals and services (mt19937_64 through gpufleet::Rng) and runs them through
// gpufleet in a child process (SimGrid allows one engine per process).
MmcRun simulate_mmc(const MmcSpec& spec);

// The draws of simulate_mmc: arrival times and service times, job after job.
class MmcDraws {
 public:
  explicit MmcDraws(const MmcSpec& spec);
  double next_arrival_s();
  double next_service_s() { return services_.exponential(mean_service_s_); }

 private:
  Rng arrivals_, services_;
  double mean_gap_s_, mean_service_s_, clock_ = 0;
};

// The textbook FIFO M/M/c recursion (Kiefer-Wolfowitz) on the same draws: start times.
std::vector<double> fifo_reference_starts(const std::vector<double>& arrival_s,
                                          const std::vector<double>& service_s, int servers);

// The same draws as simulate_mmc (the first spec.jobs are the simulated ones), run through
// fifo_reference_starts' recursion for `jobs` jobs without storing them: the mean wait (in
// mean service times, the first `skip` jobs left out) with its batch-means standard error, and
// the share of jobs that waited.
struct ReferenceStats {
  double mean_wait = 0, standard_error = 0, p_wait = 0;
};
ReferenceStats reference_mmc(const MmcSpec& spec, long jobs, long skip);

// Mean of `values` from `skip` on, with its standard error from 20 batch means.
struct Estimate {
  double mean = 0;
  double standard_error = 0;
};
Estimate batch_mean(const std::vector<double>& values, size_t skip);

// Prints `key = value` and records it as a test property, so that every check states its
// measured error.
void report(const std::string& key, double value);

}  // namespace gpufleet::validation
