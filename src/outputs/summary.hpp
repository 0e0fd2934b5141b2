#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// The layout of summary.json and the CSV files (docs/metrics.md): raised whenever a key or a
// column is renamed or removed, so that a notebook can tell which layout it reads. 2: units in
// column names (effective_flops_per_s, peak_flops_per_s_per_gpu), services' unit column,
// gpufleet_version and provenance.
constexpr int kOutputSchemaVersion = 3;

// summary.json: every headline metric of one run (definitions in docs/metrics.md).
nlohmann::json summarize(const Fleet& fleet, const Workload& workload, const RunResult& result);

// The terminal table printed after a run, from a summary.
std::string summary_table(const nlohmann::json& summary);

}  // namespace gpufleet
