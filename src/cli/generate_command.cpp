#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "cli/scenario_source.hpp"
#include "formats/atomic_files.hpp"
#include "formats/platform_writer.hpp"
#include "formats/workload_io.hpp"

namespace gpufleet {

CommandRunner add_generate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "generate", "Draw a workload (and its fleet) from a scenario, e.g. the seed scenario");
  struct Options {
    std::string scenario = "seed";
    std::optional<double> days;
    double scale = 1;
    std::optional<long> seed;
    std::optional<double> training_growth, inference_growth;
    std::string out;
    std::string platform_out;
    std::string catalog;  // --catalog: GPU models over the built-in ones
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--scenario", o->scenario,
                  "Scenario name (workloads/scenarios/NAME.json) or file")
      ->capture_default_str();
  cmd->add_option("--days", o->days, "Length of the workload in days (default: the scenario's)");
  cmd->add_option("--scale", o->scale,
                  "Grows fleet and workload together (1: the scenario's size; seed: 10,000 GPUs)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (default: the scenario's)");
  add_growth_options(cmd, o->training_growth, o->inference_growth);
  cmd->add_option("-o,--output", o->out, "Workload JSON to write")->required();
  cmd->add_option("--platform-out", o->platform_out, "Also write the fleet's platform XML here");
  add_catalog_option(*cmd, o->catalog);
  return [o] {
    use_catalog_file(o->catalog);
    const Scenario scenario = load_scenario(scenario_file(o->scenario));
    GenerateOptions options;
    options.days = o->days;
    options.scale = o->scale;
    options.training_growth = o->training_growth;
    options.inference_growth = o->inference_growth;
    if (o->seed) {
      if (*o->seed < 0) throw std::invalid_argument("--seed must be >= 0");
      options.seed = static_cast<unsigned long>(*o->seed);
    }
    const auto generated = generate_scenario(scenario, options);
    // Build the platform before writing anything, so that an error leaves no half of the pair.
    // The workload is written as it is formatted: a year's JSON would not fit in memory.
    const std::string platform = o->platform_out.empty() ? "" : platform_xml(generated.pools);
    write_file_atomically(o->out,
                          [&](std::ostream& out) { write_workload_json(out, generated.workload); });
    if (!o->platform_out.empty()) write_file_atomically(o->platform_out, platform);
    std::fputs(("gpufleet: " + describe(scenario, generated, o->scale)).c_str(), stderr);
    std::fprintf(stderr, "gpufleet: wrote %s%s%s\n", o->out.c_str(),
                 o->platform_out.empty() ? "" : " and ", o->platform_out.c_str());
    if (o->platform_out.empty()) {
      const bool shipped = o->scale == 1 && scenario.file == scenario_file(scenario.name);
      if (shipped)
        std::fprintf(stderr, "gpufleet: its fleet is platforms/%s.xml\n", scenario.name.c_str());
      else
        std::fprintf(stderr, "gpufleet: add --platform-out P.xml to write its fleet\n");
    }
    return 0;
  };
}

}  // namespace gpufleet
