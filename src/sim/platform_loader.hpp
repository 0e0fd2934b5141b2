#pragma once

#include <simgrid/s4u/Host.hpp>
#include <string>
#include <vector>

#include "model/fleet.hpp"

namespace gpufleet {

// Reads the pools of a loaded SimGrid platform from its hosts' properties. hosts[i] is the
// SimGrid host of fleet.domains[i]. Throws InputError naming the file, host and property.
struct LoadedPlatform {
  Fleet fleet;
  std::vector<simgrid::s4u::Host*> hosts;
};

LoadedPlatform read_fleet(const std::vector<simgrid::s4u::Host*>& all_hosts,
                          const std::string& file);

}  // namespace gpufleet
