#include "scheduler/topology.hpp"

#include <algorithm>
#include <map>

namespace gpufleet {

namespace {

// Leaf indices as the fleet gives them, or one leaf per pool when the platform did not say.
std::vector<int> leaf_ids(const Fleet& fleet) {
  std::vector<int> leaf;
  std::map<std::pair<int, int>, int> renumber;  // (pool, leaf in file) -> dense index
  for (const auto& d : fleet.domains) {
    const auto key = std::make_pair(d.pool, d.leaf);
    const auto it = renumber.emplace(key, static_cast<int>(renumber.size())).first;
    leaf.push_back(it->second);
  }
  return leaf;
}

}  // namespace

Topology::Topology(const Fleet& fleet)
    : leaf_of_domain_(leaf_ids(fleet)), leaves_of_pool_(fleet.pools.size()) {
  const int domains = static_cast<int>(fleet.domains.size());
  int leaves = 0;
  for (int leaf : leaf_of_domain_) leaves = std::max(leaves, leaf + 1);
  domains_of_leaf_.resize(leaves);
  pool_of_leaf_.assign(leaves, 0);
  for (int d = 0; d < domains; ++d) {
    const int leaf = leaf_of_domain_[d];
    if (domains_of_leaf_[leaf].empty()) {
      pool_of_leaf_[leaf] = fleet.domains[d].pool;
      leaves_of_pool_[fleet.domains[d].pool].push_back(leaf);
    }
    domains_of_leaf_[leaf].push_back(d);
  }
}

}  // namespace gpufleet
