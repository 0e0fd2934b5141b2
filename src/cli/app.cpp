// The gpufleet app as a value: every subcommand on one CLI11 app, its --version, and running the
// parsed command with main()'s error handling. main() and the Python module (src/python/) both
// build it here, so that a call from Python runs exactly the code the command runs.
#include <cstdio>

#include "cli/commands.hpp"
#include "model/input_error.hpp"
#include "runtime/version.hpp"
#include "sim/engine_config.hpp"

namespace gpufleet {

std::string version_text() {
  // help2man reads the first line as "program version".
  return std::string("gpufleet ") + gpufleet_version() + "\ncommit " + gpufleet_commit() +
         "\nSimGrid " + simgrid_version();
}

std::unique_ptr<Cli> make_cli() {
  auto cli = std::make_unique<Cli>();
  CLI::App& app = cli->app;
  app.require_subcommand(0, 1);
  for (auto add : {add_run_command, add_compare_command, add_study_command, add_report_command,
                   add_generate_command, add_import_command, add_platform_command,
                   add_shape_command, add_policies_command}) {
    const size_t before = app.get_subcommands({}).size();
    auto runner = add(app);
    CLI::App* sub = app.get_subcommands({})[before];
    cli->runners[sub] = std::move(runner);
    cli->commands.push_back(sub->get_name());
  }
  app.set_version_flag("--version", version_text());
  return cli;
}

namespace {

int report_error(const char* prefix, const char* what, std::string* error, int code) {
  std::fprintf(stderr, "gpufleet: %s: %s\n", prefix, what);
  if (error) *error = what;
  return code;
}

}  // namespace

int run_parsed_command(Cli& cli, std::string* error) {
  try {
    for (auto& [sub, runner] : cli.runners)
      if (sub->parsed()) return runner();
    // No subcommand: the main job, the default scenario.
    return cli.runners[cli.app.get_subcommand("run")]();
  } catch (const InputError& e) {
    return report_error("error", e.what(), error, 2);
  } catch (const std::invalid_argument& e) {
    return report_error("error", e.what(), error, 2);
  } catch (const std::exception& e) {
    return report_error("internal error", e.what(), error, 1);
  }
}

}  // namespace gpufleet
