#pragma once

#include <vector>

#include "model/fleet.hpp"

namespace gpufleet {

// The fleet's network as a tree: NVLink domains hang off leaf switches, a pool's leaves off
// its spine, the spines off the fleet's core. Placement asks it how far apart leaves are, so
// that a job spread over several domains stays under as few and as close switches as it can.
// The distances are in closed form (tests/topology_test.cpp checks them against a breadth-first
// search of the tree as a graph): a search per run built a graph no run read, and a table of
// leaf-to-leaf distances took seconds and leaves^2 of memory at 1,000,000 GPUs.
class Topology {
 public:
  explicit Topology(const Fleet& fleet);

  // Links a message crosses between two domains: 0 inside one domain (NVLink), 2 under one
  // leaf switch, 4 through the pool's spine, 6 between pools.
  int hops(int domain_a, int domain_b) const {
    return domain_a == domain_b ? 0 : 2 + leaf_hops(leaf_of(domain_a), leaf_of(domain_b));
  }
  int leaf_of(int domain) const { return leaf_of_domain_[domain]; }
  // The leaves of a pool, and the domains under a leaf, in fleet order.
  const std::vector<int>& leaves_of_pool(int pool) const { return leaves_of_pool_[pool]; }
  const std::vector<int>& domains_of_leaf(int leaf) const { return domains_of_leaf_[leaf]; }
  // Links between the switches of two leaves: 0 for the same leaf, 2 through their pool's spine,
  // 4 through the core.
  int leaf_hops(int leaf_a, int leaf_b) const {
    return leaf_a == leaf_b ? 0 : pool_of_leaf_[leaf_a] == pool_of_leaf_[leaf_b] ? 2 : 4;
  }

 private:
  std::vector<int> leaf_of_domain_;
  std::vector<std::vector<int>> leaves_of_pool_;
  std::vector<std::vector<int>> domains_of_leaf_;
  std::vector<int> pool_of_leaf_;
};

}  // namespace gpufleet
