#pragma once

#include "metrics/binned_series.hpp"

namespace gpufleet {

// The state of the queue, the pools and the services over time, integrated into the run's
// time bins (definitions in docs/metrics.md).
struct RunSeries {
  BinnedSeries training_queue{1, 1, 1};   // jobs in the training queue (one series)
  BinnedSeries idle_gpus{1, 1, 1};        // per pool: GPUs held by nothing
  BinnedSeries fragmented_gpus{1, 1, 1};  // per pool: idle GPUs no waiting job can use
  BinnedSeries down_gpus{1, 1, 1};        // per pool: GPUs failed and not yet repaired
  BinnedSeries demand_units{1, 1, 1};     // per service: demand (units/s)
  BinnedSeries served_units{1, 1, 1};     // per service: min(demand, capacity)
  BinnedSeries on_time_units{1, 1, 1};    // per service: served within the latency target

  RunSeries() = default;
  RunSeries(int pools, int services, double horizon_s, double interval_s)
      : training_queue(1, horizon_s, interval_s),
        idle_gpus(pools, horizon_s, interval_s),
        fragmented_gpus(pools, horizon_s, interval_s),
        down_gpus(pools, horizon_s, interval_s),
        demand_units(services, horizon_s, interval_s),
        served_units(services, horizon_s, interval_s),
        on_time_units(services, horizon_s, interval_s) {}
};

}  // namespace gpufleet
