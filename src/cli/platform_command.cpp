#include <cstdio>

#include "cli/commands.hpp"
#include "formats/atomic_files.hpp"
#include "formats/platform_writer.hpp"
#include "model/gpu_catalog.hpp"

namespace gpufleet {

CommandRunner add_platform_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("platform", "Generate a SimGrid platform XML file of GPU pools");
  struct Options {
    std::vector<std::string> pools;
    std::string out;
    std::string catalog;
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("--pool", options->pools,
                  "A pool as MODEL:GPUS[:ROLE] (repeatable), e.g. GB200:576, H100:1024:training. "
                  "MODEL is case-insensitive; GPUS a whole number of its NVLink domains; ROLE "
                  "training or inference (default: the model's, below)")
      ->required();
  // The footer is written before --catalog is read: it lists the built-in models.
  cmd->footer(
      "Built-in GPU models (docs/hardware.md has every figure and its source; --catalog "
      "adds others):\n" +
      gpu_catalog_table(shipped_gpu_catalog()));
  cmd->add_option("-o,--output", options->out, "Output file (default: standard output)");
  add_catalog_option(*cmd, options->catalog);
  return [options] {
    use_catalog_file(options->catalog);
    std::vector<PoolSpec> specs;
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
