#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "outputs/economics.hpp"

namespace gpufleet {

// What a run on these pools and this workload writes as summary.json, every figure empty: the
// run's own summarize and economics_json on a RunResult sized to them, with nothing run. Its
// keys are those a study may name (docs/studies.md). Checks the workload against the fleet
// (bind_workload; errors name `where`) and the economics against both. `failures`: as the
// run's --failures; `policy_params` as the policy reports them.
nlohmann::json summary_skeleton(const std::vector<PoolSpec>& pools, Workload workload,
                                const EconomicsParams& economics, bool failures,
                                const std::map<std::string, double>& policy_params,
                                const std::string& where);

}  // namespace gpufleet
