#pragma once

#include <optional>
#include <string>

#include "scenario/scenario_generator.hpp"

namespace CLI {
class App;
}

namespace gpufleet {

// A scenario by name (a file of workloads/scenarios/) or by path; throws
// std::invalid_argument listing the shipped names when there is no such scenario.
std::string scenario_file(const std::string& name_or_path);

// --training-growth and --inference-growth, which override the scenario's growth per month.
void add_growth_options(CLI::App* cmd, std::optional<double>& training_growth,
                        std::optional<double>& inference_growth);

// --walltime (kill or ignore) and, given plan_with, --plan-with (walltime or exact): what a run
// still going at its walltime meets, and what planning policies know of job lengths
// (docs/workload-format.md, "Walltime").
void add_walltime_options(CLI::App* cmd, std::string& walltime, std::string* plan_with);

// One line for stderr: what was generated, the realized offered loads.
std::string describe(const Scenario& scenario, const GeneratedScenario& generated, double scale);

}  // namespace gpufleet
