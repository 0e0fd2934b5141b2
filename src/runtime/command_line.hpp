#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gpufleet {

// This process's arguments, program name first, as the kernel recorded them
// (/proc/self/cmdline): what summary.json records as the command that made it.
std::vector<std::string> command_line();

// A process that runs a gpufleet command on another program's behalf (the Python module's forked
// child, src/python/) names the gpufleet executable and the command line it stands for. Then
// command_line() returns that command line, and own_executable() and the data folder beside the
// executable (runtime/data_dir.hpp) are those of that executable: the command's child runs, data
// and provenance are the CLI's. Set once, first thing in such a process; never in the CLI.
void stand_in_for_cli(const std::string& executable, const std::vector<std::string>& args);
// The executable given to stand_in_for_cli, if any.
std::optional<std::string> stand_in_executable();

}  // namespace gpufleet
