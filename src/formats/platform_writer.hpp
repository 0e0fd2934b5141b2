#pragma once

#include <string>
#include <vector>

#include "model/fleet.hpp"

namespace gpufleet {

// One pool to generate: `gpus` GPUs of `model`, in NVLink domains of the catalog's size
// unless gpus_per_domain overrides it.
struct PoolSpec {
  std::string model;
  int gpus = 0;
  std::string name;         // default: the model in lower case (+ "-2", "-3" if repeated)
  std::string role;         // default: the catalog's role for the model
  int gpus_per_domain = 0;  // default: the catalog's
};

// Parses "MODEL:GPUS[:ROLE]" (model case-insensitive; GPUS a whole number of the model's
// NVLink domains; ROLE training or inference, default the catalog's); throws
// std::invalid_argument with the fix (nearest valid counts, the closest known name).
PoolSpec parse_pool_spec(const std::string& text);

// SimGrid platform XML 4.1 for these pools: one host per NVLink domain, each pool a fat-tree
// cluster, pools joined through a spine link. Throws std::invalid_argument on unknown models
// or GPU counts that are not whole domains.
std::string platform_xml(const std::vector<PoolSpec>& pools);

// The fleet a run loads from platform_xml(pools), built without SimGrid: the same pool names
// ("h100", "h100-2"), in the same order (by name), with the catalog's figures; one domain per
// NVLink domain, without hosts.
Fleet fleet_of(const std::vector<PoolSpec>& pools);

}  // namespace gpufleet
