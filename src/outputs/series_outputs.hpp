#pragma once

#include <string>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// queue_timeseries.csv: per bin, the mean number of jobs in the training queue.
std::string queue_timeseries_csv(const RunResult& result);
// pools_timeseries.csv: per bin and pool, mean idle and fragmented GPUs and their ratio.
std::string pools_timeseries_csv(const Fleet& fleet, const RunResult& result);
// services_timeseries.csv: per bin and service, demand and served units and their ratio.
std::string services_timeseries_csv(const Workload& workload, const RunResult& result);

}  // namespace gpufleet
