#pragma once

// The pieces of generate_scenario(), one file each; shared here only with it and its tests.

#include <utility>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"
#include "scenario/rng.hpp"
#include "scenario/scenario.hpp"

namespace gpufleet {

// Pool sizes x scale, rounded to whole NVLink domains (at least one).
std::vector<PoolSpec> scale_fleet(const std::vector<PoolSpec>& fleet, double scale);
bool is_training_pool(const PoolSpec& pool);

// Draws cover at least the first kReferenceS (30 days), in blocks of that length, whatever the
// horizon: demand is sized against the first 30 days, and a longer horizon continues a shorter
// one's random streams, so its first 30 days are the same draws (docs/seed-scenario.md).
constexpr double kReferenceS = 30 * 86400.0;
// The end of the last block a draw to horizon_s covers: a whole number of kReferenceS, at least 1.
double drawn_until_s(double horizon_s);

// Growth of g per month (compounding, month = kMonthS): the factor (1 + g)^(t / month) at t;
// the integral of that factor from 0 to t, the time a renewal process whose rate grows so runs
// on (its arrivals are those of the ungrown process at that time: time-rescaling, which keeps
// each gap's CV); and that integral's inverse. With g = 0 all three are exact: 1, t and tau.
double growth_factor(double g, double t_s);
double grown_time_s(double g, double t_s);
double time_of_grown_s(double g, double tau_s);

// Throws std::invalid_argument when about `expected` arrivals of one class would be drawn,
// beyond kMaxArrivals (a typo, not a fleet: 100,000 GPUs draw ~36,000 training jobs a month).
constexpr double kMaxArrivals = 2e7;
void check_arrival_count(double expected);

// A renewal process with gamma inter-arrival gaps of mean mean_gap_s and coefficient of
// variation cv, started in its stationary state at 0 and drawn a stretch at a time: until(end)
// gives the arrival times in [the previous end, end), unrounded. None when mean_gap_s is not a
// positive finite number.
class RenewalProcess {
 public:
  RenewalProcess(Rng& rng, double mean_gap_s, double cv);
  std::vector<double> until(double end_s);

 private:
  Rng& rng_;
  double mean_gap_s_, cv_;
  double next_;  // the next arrival, already drawn
};

// Arrival times in [0, horizon) of RenewalProcess, in whole seconds; checks kMaxArrivals.
std::vector<double> renewal_arrivals(Rng& rng, double mean_gap_s, double cv, double horizon_s);

// One draw of a GpuRange at this scale, capped at `cap` GPUs; and its exact mean.
int draw_gpus(double u, const GpuRange& range, double scale, int cap);
double mean_gpus(const GpuRange& range, double scale, int cap);
double draw_lognormal(Rng& rng, const LogNormal& d);

// Users and accounts a UserMix has at this scale; {0, 0} without users.
std::pair<int, int> users_at_scale(const UserMix& users, double scale);
// Gives each job, in order, a user drawn from the mix (its own random stream) and that
// user's account; nothing without users.
void assign_users(const UserMix& users, double scale, unsigned long seed,
                  std::vector<TrainingJob>& jobs);

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
