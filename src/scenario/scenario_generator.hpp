#pragma once

#include <optional>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"
#include "scenario/scenario.hpp"

namespace gpufleet {

struct GenerateOptions {
  std::optional<double> days;         // default: the scenario's
  double scale = 1;                   // fleet and workload together
  std::optional<unsigned long> seed;  // default: the scenario's
  // Demand growth per month (training.growth_per_month, inference.growth_per_month); default:
  // the scenario's. Between kMinGrowthPerMonth and kMaxGrowthPerMonth.
  std::optional<double> training_growth, inference_growth;
};

// A fleet and its workload drawn from a scenario, and what was drawn, for the user to check.
struct GeneratedScenario {
  std::vector<PoolSpec> pools;
  Workload workload;
  unsigned long seed = 0;
  // Realized offered loads: GPU-hours the drawn requests ask for in full (even past the
  // window's end), over the GPU-hours of the window on the pools that serve them.
  double training_offered_load = 0;  // in first-generation GPU equivalents
  double lease_offered_load = 0;
};

// Deterministic: the same scenario, options and seed give the same result on any machine.
// Throws std::invalid_argument for impossible options (scale <= 0, days <= 0, a growth out of
// range), naming the command-line option.
GeneratedScenario generate_scenario(const Scenario& scenario, const GenerateOptions& options);

}  // namespace gpufleet
