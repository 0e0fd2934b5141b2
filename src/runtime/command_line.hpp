#pragma once

#include <string>
#include <vector>

namespace gpufleet {

// This process's arguments, program name first, as the kernel recorded them
// (/proc/self/cmdline): what summary.json records as the command that made it.
std::vector<std::string> command_line();

}  // namespace gpufleet
