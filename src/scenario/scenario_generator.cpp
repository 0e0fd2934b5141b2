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

namespace {

// The scenario's growth per month, or the option's, checked.
double growth_per_month(const std::optional<double>& option, double scenario_value,
                        const std::string& name) {
  if (!option) return scenario_value;
  if (!(*option >= kMinGrowthPerMonth && *option <= kMaxGrowthPerMonth))
    throw std::invalid_argument(name + " must be between -0.5 and 1 (a fraction per month of " +
                                "30 days: 0.05 is +5% a month), got " + std::to_string(*option));
  return *option;
}

}  // namespace

GeneratedScenario generate_scenario(const Scenario& scenario, const GenerateOptions& options) {
  const double days = options.days.value_or(scenario.days);
  // At least a second, as run's horizon: no event is finer.
  if (!(days * 86400 >= 1) || days > kMaxDays)
    throw std::invalid_argument("--days must be > 0 (at least one second, 1.2e-05) and at most " +
                                std::to_string(kMaxDays) + ", got " + std::to_string(days));
  if (!(options.scale > 0) || !std::isfinite(options.scale))
    throw std::invalid_argument("--scale must be > 0 (1 = the scenario's size), got " +
                                std::to_string(options.scale));
  TrainingMix training_mix = scenario.training;
  training_mix.growth_per_month =
      growth_per_month(options.training_growth, training_mix.growth_per_month, "--training-growth");
  InferenceMix inference_mix = scenario.inference;
  inference_mix.growth_per_month = growth_per_month(
      options.inference_growth, inference_mix.growth_per_month, "--inference-growth");
  GeneratedScenario out;
  out.seed = options.seed.value_or(scenario.seed);
  out.pools = scale_fleet(scenario.fleet, options.scale);
  const double horizon_s = days * 86400;
  out.workload.horizon_s = horizon_s;

  auto training = generate_training(training_mix, out.pools, options.scale, horizon_s, out.seed);
  out.workload.training = std::move(training.jobs);
  out.training_offered_load = training.offered_load;
  out.workload.inference = generate_inference(inference_mix, out.pools, horizon_s, out.seed);
  auto leases = generate_leases(scenario.leases, out.pools, options.scale, horizon_s, out.seed);
  out.workload.leases = std::move(leases.leases);
  out.lease_offered_load = leases.offered_load;
  return out;
}

}  // namespace gpufleet
