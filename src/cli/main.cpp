#include <algorithm>
#include <cstdio>

#include "cli/commands.hpp"
#include "model/names.hpp"
#include "runtime/child_processes.hpp"

int main(int argc, char** argv) {
  gpufleet::end_with_parent();
  const auto cli = gpufleet::make_cli();
  const auto& commands = cli->commands;
  // CLI11 would call a misspelt command "not expected"; name the command meant instead.
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
    std::fprintf(stderr, "gpufleet: error: unknown command '%s'%s; commands: %s (see --help)\n",
                 argv[1], gpufleet::did_you_mean(argv[1], commands).c_str(),
                 CLI::detail::join(commands, ", ").c_str());
    return 2;
  }
  try {
    cli->app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli->app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return gpufleet::run_parsed_command(*cli);
}
