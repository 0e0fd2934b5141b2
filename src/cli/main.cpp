#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/commands.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"
#include "runtime/child_processes.hpp"

int main(int argc, char** argv) {
  gpufleet::end_with_parent();
  CLI::App app{
      "gpufleet: simulate mixed-generation GPU fleets, compare scheduling policies, report "
      "utilization"};
  app.require_subcommand(0, 1);
  std::map<CLI::App*, gpufleet::CommandRunner> runners;
  for (auto add :
       {gpufleet::add_run_command, gpufleet::add_compare_command, gpufleet::add_study_command,
        gpufleet::add_report_command, gpufleet::add_generate_command, gpufleet::add_import_command,
        gpufleet::add_platform_command, gpufleet::add_shape_command,
        gpufleet::add_policies_command}) {
    const size_t before = app.get_subcommands({}).size();
    auto runner = add(app);
    runners[app.get_subcommands({})[before]] = std::move(runner);
  }
  app.set_version_flag("--version", gpufleet::version_text());
  std::vector<std::string> commands;
  for (const auto* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
  // CLI11 would call a misspelt command "not expected"; name the command meant instead.
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
    std::fprintf(stderr, "gpufleet: error: unknown command '%s'%s; commands: %s (see --help)\n",
                 argv[1], gpufleet::did_you_mean(argv[1], commands).c_str(),
                 CLI::detail::join(commands, ", ").c_str());
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    for (auto& [sub, runner] : runners)
      if (sub->parsed()) return runner();
    // No subcommand: the main job, the default scenario.
    return runners[app.get_subcommand("run")]();
  } catch (const gpufleet::InputError& e) {
    std::fprintf(stderr, "gpufleet: error: %s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "gpufleet: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpufleet: internal error: %s\n", e.what());
    return 1;
  }
}
