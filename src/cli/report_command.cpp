#include <cstdio>

#include "cli/commands.hpp"
#include "report/reports.hpp"

namespace gpufleet {

CommandRunner add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report", "Write report.html (plots and tables) from the outputs of a run or a comparison");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "The --out directory of 'gpufleet run' or 'gpufleet compare'")
      ->required();
  return [dir] {
    const std::string file = report::write_report(*dir);
    std::printf("wrote %s\n", file.c_str());
    return 0;
  };
}

}  // namespace gpufleet
