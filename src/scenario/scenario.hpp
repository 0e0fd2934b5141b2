#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"
#include "scenario/demand_shape.hpp"

namespace gpufleet {

// A scenario: the recipe from which `gpufleet generate` draws a fleet and its workload.
// Every field is documented in docs/seed-scenario.md. Sizes are at scale 1; demand is given
// relative to the fleet, so that scaling the fleet scales the workload with it.

// exp(N(log median, sigma)), clamped to [min, max].
struct LogNormal {
  double median = 1, sigma = 0, min = 0, max = 0;
  double mean() const;  // of the clamped distribution
};

// GPUs per job: log-uniform on [min, max] x scale^scale_exponent, rounded to `multiple`.
struct GpuRange {
  int min = 8, max = 8, multiple = 8;
  double scale_exponent = 0;
};

struct TrainingClass {
  std::string name;
  double share_of_demand = 0;  // of the training GPU-hours demanded
  GpuRange gpus;
  LogNormal duration_h;  // compute time on the first generation
  double interarrival_cv = 1;
  double mfu = 0;     // on the first generation
  double params = 0;  // model parameters; gradients are 2 bytes each (BF16)
  double step_s = 1;  // optimizer step on the first generation
  int priority = 0;
  // The longest walltime its users may ask for (its partition's limit, the model of user
  // estimates' maximum, docs/seed-scenario.md); 0: its jobs get no walltime.
  double max_walltime_h = 0;
};

// Who submits the training jobs (docs/seed-scenario.md, "Users and accounts"). Each job's user
// is drawn from Zipf's law over `count` users: the user of rank r with probability proportional
// to r^-zipf_exponent; the user of rank r belongs to account (r - 1) mod accounts. Both counts
// are at scale 1 and grow with the fleet (x scale, rounded; at least one account, and at
// least one user per account). count 0: jobs have no user or account.
struct UserMix {
  int count = 0;
  int accounts = 1;
  double zipf_exponent = 1;
};

struct TrainingMix {
  // Demand over capacity: mean GPUs that arrivals ask for / training-pool GPUs, both in
  // first-generation equivalents (Little's law: arrival rate x mean GPU-hours per job).
  double offered_load = 0;
  std::vector<std::string> generations;          // preference order; the first is the demand unit
  std::map<std::string, double> relative_speed;  // per-GPU training throughput by model
  double checkpoint_interval_h = 1;
  std::vector<TrainingClass> classes;
  // Demand growth, a fraction per month of 30 days, compounding: every class's arrival rate is
  // offered_load's times (1 + growth_per_month)^(t / 30 days). 0: no growth.
  double growth_per_month = 0;
  UserMix users;
};

struct ServiceGeneration {
  std::string model;
  double offline_tokens_per_gpu_s = 0;  // max-batch throughput (MLPerf offline style)
  double latency_s = 0;
  // With the service's serving model and no typed figures: output tokens/s of one replica at
  // its rated point (what demand is sized by); binding derives the same.
  double model_tokens_per_replica_s = 0;
  int tensor_parallel = 0;  // GPUs per engine on this generation (0: the service's)
};

struct ServiceSpec {
  std::string id;
  double share_of_peak_gpus = 0;  // of the inference pools' GPUs that the peak fills
  double params = 0;              // useful FLOPs per token = 2 x params
  int gpus_per_replica = 8;
  double latency_target_s = 0;
  double phase_h = 0;                          // shifts the weekly shape (another region's day)
  std::vector<ServiceGeneration> generations;  // preference order
  double tokens_per_request = 1000;            // the latency model's request size
  // Its model and how it runs it (the workload's `serving`); then the SLO is TTFT and TPOT.
  std::optional<ServedModel> serving;
};

struct InferenceMix {
  std::string shape_file;  // resolved against the scenario file's directory
  DemandShape shape;
  double peak_fill = 0;          // peak demand / inference-pool GPUs
  double flatten = 0;            // 0: the trace's shape; 1: flat
  double hourly_log_sigma = -1;  // hour-to-hour bursts; < 0: the shape's own
  double online_fraction = 0.5;  // online throughput at the latency target / offline
  std::vector<ServiceSpec> services;
  // Demand growth, a fraction per month of 30 days, compounding: each value times
  // (1 + growth_per_month)^(t / 30 days), after sizing against the ungrown values. 0: none.
  double growth_per_month = 0;
};

struct LeaseModel {
  std::string model;
  double share = 0;
  double price_per_gpu_hour = 0;  // on-demand
};

struct LeaseMix {
  double offered_load = 0;  // mean GPUs requested / GPUs of the leased models' pools
  GpuRange gpus;
  LogNormal duration_d;
  double interarrival_cv = 1;
  double preemptible_share = 0;
  double preemptible_discount = 0;  // off the on-demand price
  std::vector<LeaseModel> models;
};

struct Scenario {
  std::string file;  // where it was read from, for error messages
  std::string name;
  std::string description;
  double days = 30;
  unsigned long seed = 1;
  std::vector<PoolSpec> fleet;
  TrainingMix training;
  InferenceMix inference;
  LeaseMix leases;
};

// Longest workload a scenario may describe (ten years); longer runs are no planning question.
constexpr double kMaxDays = 3660;

// Demand growth per month (growth_per_month, --training-growth, --inference-growth): from
// halving to doubling every month; beyond that no fleet plan holds for a month.
constexpr double kMinGrowthPerMonth = -0.5, kMaxGrowthPerMonth = 1;
constexpr double kMonthS = 30 * 86400.0;  // the month of growth_per_month

// Reads and checks a scenario file; errors name the file and field.
Scenario load_scenario(const std::string& file);

}  // namespace gpufleet
