#include "import/llm_service.hpp"

#include <cmath>

namespace gpufleet {

namespace {

// Seed scenario, 70B dense model (docs/seed-scenario.md): offline tokens/s per H100 and
// per-token latency; 2 x 70e9 FLOPs per token.
constexpr int kGpusPerReplica = 8;
constexpr double kH100TokensPerGpuS = 2675, kH100LatencyS = 0.045;
constexpr double kLatencyTargetS = 0.05;
constexpr double kFlopsPerToken = 2 * 70e9;

}  // namespace

InferenceService llm_service(const std::string& id, double interval_s, std::vector<double> demand,
                             double tokens_per_request, std::vector<double> arrival_cv) {
  InferenceService s;
  s.id = id;
  s.gpus_per_replica = kGpusPerReplica;
  s.latency_target_s = kLatencyTargetS;
  s.flops_per_unit = kFlopsPerToken;
  s.unit = "tokens";
  s.units_per_request = tokens_per_request;
  // H100 only, the model of the platform written with it; the seed scenario's H200 figures
  // (4,016 tokens/s per GPU at 0.035 s) can be added by hand for a fleet that has both.
  s.generations = {{"H100", kGpusPerReplica * kH100TokensPerGpuS, kH100LatencyS}};
  s.demand.interval_s = interval_s;
  s.demand.repeat = false;
  s.demand.values = std::move(demand);
  s.demand.arrival_cv = std::move(arrival_cv);
  return s;
}

PoolSpec pool_for_peak(const InferenceService& service) {
  PoolSpec pool;
  pool.model = "H100";
  pool.role = "inference";
  const double per_replica = service.generations.front().throughput;
  const int replicas =
      std::max(1, static_cast<int>(std::ceil(service.demand.peak() / per_replica)));
  pool.gpus = replicas * service.gpus_per_replica;
  return pool;
}

}  // namespace gpufleet
