#pragma once

#include <array>
#include <optional>
#include <vector>

#include "metrics/binned_series.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "serving/queue_model.hpp"
#include "serving/serving_model.hpp"

namespace gpufleet {

// The arrival CV each of `replicas` queues sees when one stream of CV `arrival_cv` is spread
// over them without regard to their queues (QNA's Bernoulli splitting).
double split_arrival_cv(double arrival_cv, double replicas);

// Requests a replica group serves within the latency target (docs/inference-latency.md).
// Each replica is a queue of B = throughput x latency_s request slots (continuous batching:
// the concurrency at which it reaches its rated throughput), each request holding a slot for
// units_per_request x latency_s. A load balancer spreads a pool's share of demand (its share
// of capacity) evenly over its replicas. A request's latency per unit is the generation's
// latency_s plus its queueing wait spread over its units; it is on time when that is within
// the service's latency_target_s. Above kMostUtilization of a pool's capacity, the excess is
// shed (admission control) and counts as late. The step's arrival CV (bursts) enters through
// the queue model's G/G/c waiting, split over the replicas as random routing splits it.
// A generation rated by the service's serving model (docs/inference-latency.md, "TTFT and
// TPOT") runs at the batch Little's law gives at its load: TPOT is the decode step there, TTFT
// the wait plus the step that carries the prompt, and a request is on time when both are within
// the service's targets. For typed generations TTFT is the wait plus latency_s and TPOT
// latency_s.
class SloTracker {
 public:
  static constexpr double kMostUtilization = 0.98;

  SloTracker(const Fleet& fleet, const Workload& workload, double horizon_s);

  // Demand (units/s) and the loaded replicas' capacity per pool, constant over [t0, t1).
  // Returns the units/s served on time over it.
  double add(int service, double t0, double t1, double demand,
             const std::vector<double>& capacity_by_pool);

  struct Latency {
    double on_time_units = 0;
    double shed_units = 0;
    // Per-unit latency percentiles of all requests (shed ones never arrive: infinity when
    // more than 1 - p of them were shed or waited forever).
    double p50_s = 0, p90_s = 0, p99_s = 0;
    // Time to first token and time per output token, the same way.
    double ttft_p50_s = 0, ttft_p90_s = 0, ttft_p99_s = 0;
    double tpot_p50_s = 0, tpot_p90_s = 0, tpot_p99_s = 0;
    double worst_hour = 1;  // lowest hourly share of demand served on time (1: no demand)
  };
  Latency result(int service) const;
  // The lowest hourly share served on time over all services' demand units together.
  double worst_hour() const;
  const BinnedSeries& hourly_on_time() const { return on_time_; }

 private:
  // Requests of one pool over a span: their weight (units) and how they waited.
  struct Share {
    double units = 0;
    double latency_s = 0;  // per unit, before waiting
    double units_per_request = 1;
    WaitTime wait;
    double ttft_s = 0;  // to the first token, before waiting
    double tpot_s = 0;
  };
  enum class Figure { kPerUnit, kTtft, kTpot };
  struct State {  // what a span's figures depend on
    double demand = -1, arrival_cv = 1;
    std::vector<double> capacity_by_pool;
  };
  struct Rates {  // per second of a span in that state
    double on_time = 0, shed = 0;
    std::vector<Share> shares;  // units per second
  };

  Rates rates_of(int service, const State& state) const;
  void add_pool(const InferenceService& spec, int service, const State& state, size_t pool,
                double capacity, Rates& rates) const;
  // A pool whose generation the serving model rates: the batch follows the load.
  Share modelled_share(const InferenceService& spec, const ServingModel& model, int batch_limit,
                       double engines, double admitted, double arrival_cv) const;
  // The figure's p50, p90 and p99 over the service's requests (shed ones never arrive).
  std::array<double, 3> percentiles(int service, Figure figure) const;

  const Workload& workload_;
  std::vector<std::vector<int>> generation_on_pool_;  // per service, per pool (-1: none)
  // Per service, per generation: the serving model of a generation it rates.
  std::vector<std::vector<std::optional<ServingModel>>> models_;
  std::vector<State> last_state_;
  std::vector<Rates> last_rates_;
  std::vector<std::vector<Share>> shares_;  // per service, merged while the state holds
  std::vector<double> on_time_units_, shed_units_;
  BinnedSeries on_time_;  // per service, per hour
  BinnedSeries demand_;
};

}  // namespace gpufleet
