#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/data_dir.hpp"  // shipped_file, for every command

namespace gpufleet {

// Each subcommand registers its options on the app and returns what runs it (an exit code).
using CommandRunner = std::function<int()>;
CommandRunner add_run_command(CLI::App& app);
CommandRunner add_platform_command(CLI::App& app);
CommandRunner add_policies_command(CLI::App& app);
CommandRunner add_generate_command(CLI::App& app);
CommandRunner add_shape_command(CLI::App& app);
CommandRunner add_report_command(CLI::App& app);
CommandRunner add_compare_command(CLI::App& app);
CommandRunner add_import_command(CLI::App& app);
CommandRunner add_study_command(CLI::App& app);

// --catalog FILE on a command that reads GPU figures (platform, run, compare, study, generate,
// import). use_catalog_file installs the file's models over the built-in ones as the process's
// catalog (model/gpu_catalog.hpp); a command's runner calls it first, before anything reads the
// catalog. An empty name keeps the built-in catalog.
void add_catalog_option(CLI::App& cmd, std::string& file);
void use_catalog_file(const std::string& file);

// The --restart-delay of run and compare, in seconds; std::invalid_argument naming the option.
double restart_delay_option(const std::string& text);

// "gpufleet 0.1.0 (commit ...)" and the SimGrid version, for --version and summary.json.
std::string version_text();

// The gpufleet command line (src/cli/app.cpp): every subcommand on one app and what runs each.
// main() and the Python module (src/python/) build it alike, so both run the same code.
struct Cli {
  CLI::App app{
      "gpufleet: simulate mixed-generation GPU fleets, compare scheduling policies, report "
      "utilization"};
  std::map<CLI::App*, CommandRunner> runners;
  std::vector<std::string> commands;  // their names, in --help order
};
std::unique_ptr<Cli> make_cli();

// Runs the command the app parsed (run when none was named) with main()'s error handling: its
// exit code; a bad input prints "gpufleet: error: MESSAGE" on stderr and gives 2, anything else
// thrown "gpufleet: internal error: MESSAGE" and 1. `error`, when given, receives MESSAGE.
int run_parsed_command(Cli& cli, std::string* error = nullptr);

}  // namespace gpufleet
