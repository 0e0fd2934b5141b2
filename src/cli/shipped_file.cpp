#include <filesystem>

#include "cli/commands.hpp"

namespace gpufleet {

std::string shipped_file(const std::string& relative) {
  if (std::filesystem::exists(relative)) return relative;
  const std::string built = std::string(GPUFLEET_DATA_DIR) + "/" + relative;
  return std::filesystem::exists(built) ? built : relative;
}

}  // namespace gpufleet
