#include "sim/leaf_switches.hpp"

#include <algorithm>
#include <limits>

namespace gpufleet {

namespace {

size_t route_links(simgrid::s4u::Host* from, simgrid::s4u::Host* to) {
  std::vector<simgrid::s4u::Link*> links;
  double latency = 0;
  from->route_to(to, links, &latency);
  return links.size();
}

}  // namespace

std::vector<int> leaf_switch_groups(const std::vector<simgrid::s4u::Host*>& hosts) {
  std::vector<int> group(hosts.size(), 0);
  if (hosts.size() < 2) return group;
  size_t shortest = std::numeric_limits<size_t>::max();
  for (size_t h = 1; h < hosts.size(); ++h)
    shortest = std::min(shortest, route_links(hosts[0], hosts[h]));
  std::vector<size_t> first_host_of_group = {0};
  for (size_t h = 1; h < hosts.size(); ++h) {
    // Hosts of a leaf are usually consecutive: try the latest group first.
    int found = -1;
    for (size_t k = first_host_of_group.size(); k-- > 0 && found < 0;)
      if (route_links(hosts[first_host_of_group[k]], hosts[h]) <= shortest)
        found = static_cast<int>(k);
    if (found < 0) {
      found = static_cast<int>(first_host_of_group.size());
      first_host_of_group.push_back(h);
    }
    group[h] = found;
  }
  return group;
}

}  // namespace gpufleet
