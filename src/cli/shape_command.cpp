#include <cstdio>

#include "cli/commands.hpp"
#include "formats/atomic_files.hpp"
#include "scenario/demand_shape.hpp"

namespace gpufleet {

CommandRunner add_shape_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "shape", "Derive a weekly inference demand shape from a real serving trace");
  struct Options {
    std::string servegen;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--servegen", o->servegen,
                  "ServeGen model directory, e.g. data/traces/alibaba-servegen-2025/m-small "
                  "(scripts/fetch-traces.sh)")
      ->required();
  cmd->add_option("-o,--output", o->out, "Shape JSON to write (default: standard output)");
  return [o] {
    const std::string text =
        demand_shape_to_json(derive_servegen_shape(o->servegen)).dump(1) + "\n";
    if (o->out.empty())
      std::fputs(text.c_str(), stdout);
    else
      write_file_atomically(o->out, text);
    return 0;
  };
}

}  // namespace gpufleet
