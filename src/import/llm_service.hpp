#pragma once

#include <string>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// An inference service for an imported LLM-serving trace, on 8-GPU H100 replicas with
// the seed scenario's figures for a 70B model (docs/seed-scenario.md). Demand is in tokens/s
// (tokens_per_unit 1) or in requests/s (tokens_per_unit = tokens of an average request).
InferenceService llm_service(const std::string& id, double interval_s, std::vector<double> demand,
                             double tokens_per_unit);
// An H100 pool just large enough for the service's peak.
PoolSpec pool_for_peak(const InferenceService& service);

}  // namespace gpufleet
