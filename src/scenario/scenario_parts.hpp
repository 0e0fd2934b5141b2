#pragma once

// The pieces of generate_scenario(), one file each; shared here only with it and its tests.

#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"
#include "scenario/rng.hpp"
#include "scenario/scenario.hpp"

namespace gpufleet {

// Pool sizes x scale, rounded to whole NVLink domains (at least one).
std::vector<PoolSpec> scale_fleet(const std::vector<PoolSpec>& fleet, double scale);
bool is_training_pool(const PoolSpec& pool);

// Arrival times in [0, horizon) of a renewal process with gamma inter-arrival gaps. Throws
// std::invalid_argument beyond kMaxArrivals (a typo, not a fleet: 100,000 GPUs draw ~36,000
// training jobs a month).
constexpr double kMaxArrivals = 2e7;
std::vector<double> renewal_arrivals(Rng& rng, double mean_gap_s, double cv, double horizon_s);

// One draw of a GpuRange at this scale, capped at `cap` GPUs; and its exact mean.
int draw_gpus(double u, const GpuRange& range, double scale, int cap);
double mean_gpus(const GpuRange& range, double scale, int cap);
double draw_lognormal(Rng& rng, const LogNormal& d);

struct DrawnTraining {
  std::vector<TrainingJob> jobs;
  double offered_load = 0;
};
DrawnTraining generate_training(const TrainingMix& mix, const std::vector<PoolSpec>& fleet,
                                double scale, double horizon_s, unsigned long seed);

std::vector<InferenceService> generate_inference(const InferenceMix& mix,
                                                 const std::vector<PoolSpec>& fleet,
                                                 double horizon_s, unsigned long seed);

struct DrawnLeases {
  std::vector<LeaseRequest> leases;
  double offered_load = 0;
};
DrawnLeases generate_leases(const LeaseMix& mix, const std::vector<PoolSpec>& fleet, double scale,
                            double horizon_s, unsigned long seed);

}  // namespace gpufleet
