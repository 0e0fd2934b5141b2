#include "cli/scenario_source.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "cli/commands.hpp"
#include "formats/json_fields.hpp"
#include "model/gpu_catalog.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

constexpr const char* kScenarioDir = "workloads/scenarios";

// Where shipped scenarios are looked for: the working directory, then the data folder.
std::vector<std::string> scenario_dirs() {
  std::vector<std::string> dirs = {kScenarioDir};
  if (const auto data = data_dir()) dirs.push_back(*data + "/" + kScenarioDir);
  return dirs;
}

std::vector<std::string> shipped_names() {
  std::set<std::string> names;
  std::error_code ignored;
  for (const auto& dir : scenario_dirs())
    for (const auto& entry : std::filesystem::directory_iterator(dir, ignored))
      if (entry.path().extension() == ".json") names.insert(entry.path().stem().string());
  return {names.begin(), names.end()};
}

}  // namespace

std::string scenario_file(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       std::filesystem::path(name_or_path).extension() == ".json";
  if (is_path) return name_or_path;  // load_scenario() reports a missing file
  const std::string file = shipped_file(std::string(kScenarioDir) + "/" + name_or_path + ".json");
  if (!std::filesystem::exists(file)) {
    const auto names = shipped_names();
    throw std::invalid_argument("unknown scenario '" + name_or_path + "'" +
                                did_you_mean(name_or_path, names) + " (looked in " +
                                CLI::detail::join(scenario_dirs(), " and ") +
                                "; GPUFLEET_DATA sets the data folder): use one of: " +
                                (names.empty() ? "(none found)" : CLI::detail::join(names, ", ")) +
                                ", or the path of a scenario file");
  }
  return file;
}

void add_growth_options(CLI::App* cmd, std::optional<double>& training_growth,
                        std::optional<double>& inference_growth) {
  cmd->add_option("--training-growth", training_growth,
                  "Training demand growth per 30-day month, compounding, -0.5 to 1 (0.05: +5% a "
                  "month; default: the scenario's training.growth_per_month)");
  cmd->add_option("--inference-growth", inference_growth,
                  "Inference demand growth per 30-day month, compounding, -0.5 to 1 (default: "
                  "the scenario's inference.growth_per_month)");
}

void add_walltime_options(CLI::App* cmd, std::string& walltime, std::string* plan_with) {
  cmd->add_option("--walltime", walltime,
                  "A training run still going at its walltime_s: 'kill' it, as Slurm does "
                  "(TIMEOUT: not requeued, work since its last checkpoint lost), or 'ignore' the "
                  "limit")
      ->check(CLI::IsMember({"kill", "ignore"}))
      ->capture_default_str();
  if (!plan_with) return;
  cmd->add_option("--plan-with", *plan_with,
                  "What planning policies know of a job's length: its 'walltime' (jobs without "
                  "one: their compute time), or its 'exact' compute time (an oracle, a reference "
                  "for what estimates cost; docs/policies.md)")
      ->check(CLI::IsMember({"walltime", "exact"}))
      ->capture_default_str();
}

std::string describe(const Scenario& scenario, const GeneratedScenario& g, double scale) {
  long gpus = 0;
  std::string pools;
  for (const auto& p : g.pools) {
    gpus += p.gpus;
    pools += (pools.empty() ? "" : ", ") + p.model + " " + std::to_string(p.gpus);
  }
  char text[512];
  std::snprintf(text, sizeof text,
                "scenario %s, scale %g, seed %lu, %.0f days: %ld GPUs (%s); %zu training jobs "
                "(offered load %.2f x training capacity), %zu inference services, %zu lease "
                "requests (offered load %.2f x their pools)\n",
                scenario.name.c_str(), scale, g.seed, g.workload.horizon_s / 86400, gpus,
                pools.c_str(), g.workload.training.size(), g.training_offered_load,
                g.workload.inference.size(), g.workload.leases.size(), g.lease_offered_load);
  return text;
}

// The GPU catalog is an input of every command that reads GPU figures (commands.hpp).
void add_catalog_option(CLI::App& cmd, std::string& file) {
  cmd.add_option("--catalog", file,
                 "GPU catalog file (JSON, docs/hardware.md \"Catalog files\"): adds models or "
                 "overrides figures of the built-in ones for this command");
}

void use_catalog_file(const std::string& file) {
  // Nothing given: the built-in catalog, which the first reader loads by itself.
  if (file.empty()) return;
  // A shipped name (catalogs/gpu-catalog.json) is found from any folder, as platforms are.
  const std::string path = shipped_file(file);
  install_gpu_catalog(gpu_catalog_from_json(read_json_file(path), path, shipped_gpu_catalog()));
}

}  // namespace gpufleet
