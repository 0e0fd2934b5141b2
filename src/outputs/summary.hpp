#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// summary.json: every headline metric of one run (definitions in docs/metrics.md).
nlohmann::json summarize(const Fleet& fleet, const Workload& workload, const RunResult& result);

// The terminal table printed after a run, from a summary.
std::string summary_table(const nlohmann::json& summary);

}  // namespace gpufleet
