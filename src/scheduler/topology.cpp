#include "scheduler/topology.hpp"

#include <boost/graph/breadth_first_search.hpp>
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
  std::vector<int> pool_of_leaf(leaves, 0);
  for (int d = 0; d < domains; ++d) {
    const int leaf = leaf_of_domain_[d];
    if (domains_of_leaf_[leaf].empty()) {
      pool_of_leaf[leaf] = fleet.domains[d].pool;
      leaves_of_pool_[fleet.domains[d].pool].push_back(leaf);
    }
    domains_of_leaf_[leaf].push_back(d);
  }

  leaf_vertex0_ = domains;
  const int spine0 = domains + leaves;
  const int core = spine0 + static_cast<int>(fleet.pools.size());
  graph_ = Graph(core + 1);
  for (int d = 0; d < domains; ++d) boost::add_edge(d, leaf_vertex0_ + leaf_of_domain_[d], graph_);
  for (int leaf = 0; leaf < leaves; ++leaf)
    boost::add_edge(leaf_vertex0_ + leaf, spine0 + pool_of_leaf[leaf], graph_);
  for (size_t p = 0; p < fleet.pools.size(); ++p)
    boost::add_edge(spine0 + static_cast<int>(p), core, graph_);

  pool_of_leaf_ = std::move(pool_of_leaf);
}

std::vector<int> Topology::distances_from(int vertex) const {
  std::vector<int> dist(boost::num_vertices(graph_), 0);
  boost::breadth_first_search(graph_, vertex,
                              boost::visitor(boost::make_bfs_visitor(
                                  boost::record_distances(dist.data(), boost::on_tree_edge()))));
  return dist;
}

int Topology::hops(int domain_a, int domain_b) const {
  if (domain_a == domain_b) return 0;
  return distances_from(domain_a)[domain_b];
}

}  // namespace gpufleet
