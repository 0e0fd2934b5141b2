#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "formats/atomic_files.hpp"
#include "formats/platform_writer.hpp"
#include "formats/workload_io.hpp"
#include "import/importers.hpp"
#include "model/duration.hpp"

namespace gpufleet {

namespace {

struct ImportCommandOptions {
  std::string catalog;  // --catalog: GPU models over the built-in ones
  std::string format;
  std::vector<std::string> inputs;
  std::string out;
  std::string platform_out;
  std::string interval = "60s";
  std::string model_walltimes;
  ImportOptions import;
};

int run_import(const ImportCommandOptions& o) {
  ImportOptions options = o.import;
  options.interval_s = parse_duration_s(o.interval);
  if (!(options.interval_s > 0)) throw std::invalid_argument("--interval must be > 0");
  if (!o.model_walltimes.empty()) {
    if (o.format != "swf") throw std::invalid_argument("--model-walltimes applies to swf only");
    options.model_walltime_limit_s = parse_duration_s(o.model_walltimes);
    if (!(options.model_walltime_limit_s >= 3600 && options.model_walltime_limit_s <= kMaxSeconds))
      throw std::invalid_argument("--model-walltimes must be from 1h to ten years, e.g. 18h");
  }
  if (!options.partition_map.empty() && o.format != "slurm")
    throw std::invalid_argument("--partition-map applies to slurm only");
  if (!options.user_label.empty() && o.format != "kubernetes")
    throw std::invalid_argument("--user-label applies to kubernetes only");
  const Imported imported = import_trace(o.format, o.inputs, options);
  if (!o.platform_out.empty() && imported.pools.empty())
    throw std::invalid_argument("the " + o.format +
                                " inputs describe no machine: drop --platform-out");
  // Everything is built before anything is written.
  nlohmann::json meta = {{"imported_from", o.format},
                         {"inputs", o.inputs},
                         {"rows", imported.report.rows},
                         {"kept", imported.report.kept},
                         {"dropped", imported.report.dropped}};
  for (const auto& [key, value] : imported.notes) meta[key] = value;
  const std::string text = workload_to_text(imported.workload, meta);
  const std::string platform =
      o.platform_out.empty() ? std::string() : platform_xml(imported.pools);
  write_file_atomically(o.out, text);
  if (!o.platform_out.empty()) write_file_atomically(o.platform_out, platform);
  std::fputs(("gpufleet import " + o.format + ": " + imported.report.text()).c_str(), stderr);
  std::printf("wrote %s%s\n", o.out.c_str(),
              o.platform_out.empty() ? "" : (" and " + o.platform_out).c_str());
  return 0;
}

}  // namespace

CommandRunner add_import_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "import", "Turn a public trace into a workload (and platform) file (docs/importers.md)");
  auto o = std::make_shared<ImportCommandOptions>();
  cmd->add_option("format", o->format, "Trace format: " + import_formats())->required();
  cmd->add_option("inputs", o->inputs,
                  "Trace files (alibaba-gpu-2023: pod list and node list; kubernetes: kubectl get "
                  "pods -A -o json output, then kubectl get nodes -o json output; servegen: the "
                  "model directory; slurm: sacct -P or sacct --json output)")
      ->required();
  cmd->add_option("-o,--output", o->out, "Workload JSON to write")->required();
  cmd->add_option("--platform-out", o->platform_out,
                  "Also write a SimGrid platform of the trace's machine");
  cmd->add_flag("--lenient", o->import.lenient,
                "Skip malformed rows and count them, instead of stopping at the first");
  cmd->add_option("--interval", o->interval,
                  "Demand-curve step of imported services (azure-llm-2023, kubernetes)")
      ->capture_default_str();
  cmd->add_option("--procs-per-gpu", o->import.procs_per_gpu, "swf: processors that make one GPU")
      ->capture_default_str();
  auto* gpu_model =
      cmd->add_option(
             "--gpu-model", o->import.gpu_model,
             "swf: GPU model the jobs run on; kubernetes: the model of every pod when "
             "no nodes file is given, and of nodes without an nvidia.com/gpu.product label")
          ->capture_default_str();
  cmd->add_option("--user-label", o->import.user_label,
                  "kubernetes: the pod label whose value is the job's user (default: none, no "
                  "user)");
  cmd->add_option("--model-walltimes", o->model_walltimes,
                  "swf: draw every job's walltime from Tsafrir et al.'s model of user estimates "
                  "with this longest limit (e.g. 18h), instead of the log's requested time");
  cmd->add_option("--partition-map", o->import.partition_map,
                  "slurm: JSON {\"PARTITION\": {\"model\": \"H100\", \"role\": \"training\"}} "
                  "placing partitions whose gres has no (or an unknown) type on a model");
  add_catalog_option(*cmd, o->catalog);
  return [o, gpu_model] {
    o->import.gpu_model_given = gpu_model->count() > 0;
    use_catalog_file(o->catalog);
    return run_import(*o);
  };
}

}  // namespace gpufleet
