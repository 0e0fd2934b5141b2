#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <vector>

#include "model/fleet.hpp"

namespace gpufleet {

// The fleet's network as a graph: NVLink domains hang off leaf switches, a pool's leaves off
// its spine, the spines off the fleet's core. Placement asks it how far apart leaves are, so
// that a job spread over several domains stays under as few and as close switches as it can.
class Topology {
 public:
  explicit Topology(const Fleet& fleet);

  // Links a message crosses between two domains: 0 inside one domain (NVLink), 2 under one
  // leaf switch, 4 through the pool's spine, 6 between pools.
  int hops(int domain_a, int domain_b) const;
  int leaf_of(int domain) const { return leaf_of_domain_[domain]; }
  // The leaves of a pool, and the domains under a leaf, in fleet order.
  const std::vector<int>& leaves_of_pool(int pool) const { return leaves_of_pool_[pool]; }
  const std::vector<int>& domains_of_leaf(int leaf) const { return domains_of_leaf_[leaf]; }
  // Links between the switches of two leaves: 0 for the same leaf, 2 through their pool's spine,
  // 4 through the core. The graph's distances, in closed form: a table of them, from a search
  // per leaf, took seconds and leaves^2 of memory at 1,000,000 GPUs.
  int leaf_hops(int leaf_a, int leaf_b) const {
    return leaf_a == leaf_b ? 0 : pool_of_leaf_[leaf_a] == pool_of_leaf_[leaf_b] ? 2 : 4;
  }

 private:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  std::vector<int> distances_from(int vertex) const;

  Graph graph_;
  int leaf_vertex0_ = 0;  // vertices: domains, then leaves, then pool spines, then the core
  std::vector<int> leaf_of_domain_;
  std::vector<std::vector<int>> leaves_of_pool_;
  std::vector<std::vector<int>> domains_of_leaf_;
  std::vector<int> pool_of_leaf_;
};

}  // namespace gpufleet
