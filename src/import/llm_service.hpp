#pragma once

#include <string>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// An inference service for an imported LLM-serving trace, on 8-GPU H100 replicas with
// the seed scenario's figures for a 70B model (docs/seed-scenario.md). Demand is in tokens/s;
// a request carries tokens_per_request of them (the latency model's request size), and
// arrival_cv holds each step's inter-arrival CV (empty: Poisson).
InferenceService llm_service(const std::string& id, double interval_s, std::vector<double> demand,
                             double tokens_per_request, std::vector<double> arrival_cv);
// An H100 pool just large enough for the service's peak.
PoolSpec pool_for_peak(const InferenceService& service);

}  // namespace gpufleet
