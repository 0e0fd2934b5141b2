#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

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

// A shipped file (platforms/..., workloads/...): from the working directory if it is there,
// else from the source tree gpufleet was built from.
std::string shipped_file(const std::string& relative);

}  // namespace gpufleet
