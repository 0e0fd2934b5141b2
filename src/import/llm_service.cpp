#include "import/llm_service.hpp"

#include <cmath>

namespace gpufleet {

namespace {

// Seed scenario, 70B dense model (docs/seed-scenario.md): offline tokens/s per GPU and
// per-token latency on each generation; 2 x 70e9 FLOPs per token.
constexpr int kGpusPerReplica = 8;
constexpr double kH100TokensPerGpuS = 2675, kH100LatencyS = 0.045;
constexpr double kH200TokensPerGpuS = 4016, kH200LatencyS = 0.035;
constexpr double kLatencyTargetS = 0.05;
constexpr double kFlopsPerToken = 2 * 70e9;

}  // namespace

InferenceService llm_service(const std::string& id, double interval_s, std::vector<double> demand,
                             double tokens_per_unit) {
  InferenceService s;
  s.id = id;
  s.gpus_per_replica = kGpusPerReplica;
  s.latency_target_s = kLatencyTargetS;
  s.flops_per_unit = kFlopsPerToken * tokens_per_unit;
  s.unit = tokens_per_unit == 1 ? "tokens" : "requests";
  s.generations = {{"H100", kGpusPerReplica * kH100TokensPerGpuS / tokens_per_unit, kH100LatencyS},
                   {"H200", kGpusPerReplica * kH200TokensPerGpuS / tokens_per_unit, kH200LatencyS}};
  s.demand.interval_s = interval_s;
  s.demand.repeat = false;
  s.demand.values = std::move(demand);
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
