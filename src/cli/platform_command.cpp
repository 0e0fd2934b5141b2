#include <cstdio>

#include "cli/commands.hpp"
#include "formats/atomic_files.hpp"
#include "formats/platform_writer.hpp"
#include "import/slurm/slurm.hpp"
#include "model/gpu_catalog.hpp"

namespace gpufleet {

CommandRunner add_platform_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("platform", "Generate a SimGrid platform XML file of GPU pools");
  struct Options {
    std::vector<std::string> pools;
    std::string out;
    std::string catalog;
    std::string from_slurm;     // scontrol show node -o (or sinfo -N) output
    std::string partition_map;  // roles and models of partitions
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("--pool", options->pools,
                  "A pool as MODEL:GPUS[:ROLE] (repeatable), e.g. GB200:576, H100:1024:training. "
                  "MODEL is case-insensitive; GPUS a whole number of its NVLink domains; ROLE "
                  "training or inference (default: the model's, below)");
  cmd->add_option("--from-slurm", options->from_slurm,
                  "Pools from a Slurm inventory: `scontrol show node -o` (or `sinfo -N -h -o "
                  "\"%N %G %P\"`) output; one pool per GPU model, role training unless "
                  "--partition-map says otherwise (docs/importers.md)");
  cmd->add_option("--partition-map", options->partition_map,
                  "With --from-slurm: JSON {\"PARTITION\": {\"model\": \"H100\", \"role\": "
                  "\"inference\"}} giving partitions' roles (and models of untyped GPUs)");
  // The footer is written before --catalog is read: it lists the built-in models.
  cmd->footer(
      "Built-in GPU models (docs/hardware.md has every figure and its source; --catalog "
      "adds others):\n" +
      gpu_catalog_table(shipped_gpu_catalog()));
  cmd->add_option("-o,--output", options->out, "Output file (default: standard output)");
  add_catalog_option(*cmd, options->catalog);
  return [options] {
    use_catalog_file(options->catalog);
    if (options->pools.empty() && options->from_slurm.empty())
      throw std::invalid_argument("give --pool MODEL:GPUS or --from-slurm FILE");
    if (!options->partition_map.empty() && options->from_slurm.empty())
      throw std::invalid_argument("--partition-map applies with --from-slurm only");
    std::vector<PoolSpec> specs;
    if (!options->from_slurm.empty()) {
      std::vector<std::string> warnings;
      specs = slurm_node_pools(options->from_slurm, read_partition_map(options->partition_map),
                               warnings);
      for (const auto& w : warnings) std::fprintf(stderr, "gpufleet platform: %s\n", w.c_str());
      for (const auto& p : specs)
        std::fprintf(stderr, "gpufleet platform: %s pool of %d GPUs (%s)\n", p.model.c_str(),
                     p.gpus, p.role.c_str());
    }
    for (const auto& text : options->pools) specs.push_back(parse_pool_spec(text));
    const std::string xml = platform_xml(specs);
    if (options->out.empty()) {
      std::fputs(xml.c_str(), stdout);
    } else {
      write_file_atomically(options->out, xml);
      std::fprintf(stderr, "gpufleet: wrote %s\n", options->out.c_str());
    }
    return 0;
  };
}

}  // namespace gpufleet
