#pragma once

#include <string>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "scheduler/decision_log.hpp"

namespace gpufleet {

// jobs.csv: one row per training job and lease request (replicas: replicas.csv).
std::string jobs_csv(const Fleet& fleet, const Workload& workload, const RunResult& result);
// timeseries.csv: per bin, pool and class, the mean allocated GPUs and useful FLOP/s.
std::string timeseries_csv(const Fleet& fleet, const RunResult& result);
// decisions.csv (`run --decision-log`): one row per decision, in the order the core took them.
std::string decisions_csv(const Fleet& fleet, const Workload& workload, const DecisionLog& log);

}  // namespace gpufleet
