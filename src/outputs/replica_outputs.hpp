#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// replicas.csv: one row per inference replica started (docs/metrics.md).
std::string replicas_csv(const Fleet& fleet, const Workload& workload, const RunResult& result);

// Replica churn (docs/metrics.md): starts, stops, lifetime p10 and p50 (a replica still running
// at the horizon counts up to it), and GPU-hours spent loading. `service` < 0: all services.
nlohmann::json replica_churn_json(const RunResult& result, int service);

}  // namespace gpufleet
