#include "cli/commands.hpp"
#include "runtime/version.hpp"
#include "sim/engine_config.hpp"

namespace gpufleet {

std::string version_text() {
  // help2man reads the first line as "program version".
  return std::string("gpufleet ") + gpufleet_version() + "\ncommit " + gpufleet_commit() +
         "\nSimGrid " + simgrid_version();
}

}  // namespace gpufleet
