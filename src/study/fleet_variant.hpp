#pragma once

#include <string>
#include <vector>

#include "formats/platform_writer.hpp"

namespace gpufleet {

// A fleet what-if applied to a fleet's pools: "H100:-50%" (a share of the model's GPUs),
// "GB300:+504" or "H100:-1024" (GPUs added or taken away), "B300:+576:training" (a new pool of a
// catalog model, with its role). Counts are rounded to whole NVLink domains, and the rounding is
// said in `notes`. Throws std::invalid_argument naming the change and the fix.
std::vector<PoolSpec> apply_fleet_changes(std::vector<PoolSpec> pools,
                                          const std::vector<std::string>& changes,
                                          std::vector<std::string>& notes);

}  // namespace gpufleet
