#include "scenario/scenario_generator.hpp"

#include <cmath>
#include <stdexcept>

#include "model/gpu_catalog.hpp"
#include "scenario/scenario_parts.hpp"

namespace gpufleet {

bool is_training_pool(const PoolSpec& pool) {
  const std::string role = pool.role.empty() ? find_gpu(pool.model)->role : pool.role;
  return role == "training";
}

std::vector<PoolSpec> scale_fleet(const std::vector<PoolSpec>& fleet, double scale) {
  std::vector<PoolSpec> scaled = fleet;
  for (auto& pool : scaled) {
    const int domain = find_gpu(pool.model)->gpus_per_domain;
    const double gpus = pool.gpus * scale;
    if (gpus > 1e8)  // checked as a double: rounding first would overflow
      throw std::invalid_argument("--scale " + std::to_string(scale) +
                                  " makes a pool of more than 100 million GPUs");
    pool.gpus = static_cast<int>(std::max(1L, std::lround(gpus / domain)) * domain);
  }
  return scaled;
}

GeneratedScenario generate_scenario(const Scenario& scenario, const GenerateOptions& options) {
  const double days = options.days.value_or(scenario.days);
  // At least a second, as run's horizon: no event is finer.
  if (!(days * 86400 >= 1) || days > kMaxDays)
    throw std::invalid_argument("--days must be > 0 (at least one second, 1.2e-05) and at most " +
                                std::to_string(kMaxDays) + ", got " + std::to_string(days));
  if (!(options.scale > 0) || !std::isfinite(options.scale))
    throw std::invalid_argument("--scale must be > 0 (1 = the scenario's size), got " +
                                std::to_string(options.scale));
  GeneratedScenario out;
  out.seed = options.seed.value_or(scenario.seed);
  out.pools = scale_fleet(scenario.fleet, options.scale);
  const double horizon_s = days * 86400;
  out.workload.horizon_s = horizon_s;

  auto training =
      generate_training(scenario.training, out.pools, options.scale, horizon_s, out.seed);
  out.workload.training = std::move(training.jobs);
  out.training_offered_load = training.offered_load;
  out.workload.inference = generate_inference(scenario.inference, out.pools, horizon_s, out.seed);
  auto leases = generate_leases(scenario.leases, out.pools, options.scale, horizon_s, out.seed);
  out.workload.leases = std::move(leases.leases);
  out.lease_offered_load = leases.offered_load;
  return out;
}

}  // namespace gpufleet
