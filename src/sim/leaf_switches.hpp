#pragma once

#include <simgrid/s4u/Host.hpp>
#include <vector>

namespace gpufleet {

// Groups the hosts of one pool by the leaf switch they hang off, from SimGrid's routes: two
// hosts share a leaf when the route between them is as short as any route in the pool (host
// uplink, host downlink in a fat tree). Returns a group index per host, numbered from 0 in
// host order. Cost: about two route look-ups per host when leaves hold consecutive hosts.
std::vector<int> leaf_switch_groups(const std::vector<simgrid::s4u::Host*>& hosts);

}  // namespace gpufleet
