#include "scheduler/placement.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace gpufleet {

int Placement::gpus() const {
  int total = 0;
  for (const auto& part : parts) total += part.gpus;
  return total;
}

namespace {

std::optional<Placement> best_fit_domain(const Pool& pool, const std::vector<int>& free,
                                         int pool_index, int gpus) {
  int best = -1;
  for (int d = pool.first_domain; d < pool.first_domain + pool.domain_count; ++d)
    if (free[d] >= gpus && (best < 0 || free[d] < free[best])) best = d;
  if (best < 0) return std::nullopt;
  return Placement{pool_index, {{best, gpus}}};
}

// The fewest of `candidates` that hold `gpus` GPUs: emptiest first.
std::optional<Placement> fewest_domains(std::vector<int> candidates, const std::vector<int>& free,
                                        int pool_index, int gpus) {
  std::erase_if(candidates, [&](int d) { return free[d] <= 0; });
  int available = 0;
  for (int d : candidates) available += free[d];
  if (available < gpus) return std::nullopt;
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](int a, int b) { return free[a] > free[b]; });
  Placement placement{pool_index, {}};
  int left = gpus;
  for (int d : candidates) {
    const int take = std::min(left, free[d]);
    placement.parts.push_back({d, take});
    left -= take;
    if (left == 0) break;
  }
  std::sort(placement.parts.begin(), placement.parts.end(),
            [](const auto& a, const auto& b) { return a.domain < b.domain; });
  return placement;
}

std::vector<int> domains_of_pool(const Pool& pool) {
  std::vector<int> domains(pool.domain_count);
  for (int i = 0; i < pool.domain_count; ++i) domains[i] = pool.first_domain + i;
  return domains;
}

int room_of(const Topology& topology, const std::vector<int>& free, int leaf) {
  int room = 0;
  for (int d : topology.domains_of_leaf(leaf)) room += free[d];
  return room;
}

int room_of(const Topology& topology, const std::vector<int>& free, const DomainsByFree* index,
            int leaf) {
  return index ? index->leaf_room(leaf) : room_of(topology, free, leaf);
}

// The fewest domains under one leaf switch, if some leaf can hold the job on as few domains
// as the whole pool would need (the fullest such leaf, to keep roomy leaves for larger jobs).
std::optional<Placement> under_one_leaf(const Topology& topology, const std::vector<int>& free,
                                        const DomainsByFree* index, int pool, int gpus,
                                        int fewest) {
  std::optional<Placement> best;
  int best_room = 0;
  for (int leaf : topology.leaves_of_pool(pool)) {
    const int room = room_of(topology, free, index, leaf);
    if (room < gpus || (best && room >= best_room)) continue;
    auto p = fewest_domains(topology.domains_of_leaf(leaf), free, pool, gpus);
    if (p && p->domains() == fewest) {
      best = std::move(p);
      best_room = room;
    }
  }
  return best;
}

// Across leaves: the emptiest domains as before, but among equally free domains those
// closest to the emptiest domain's leaf, then those of roomier leaves, come first.
std::optional<Placement> across_leaves(const Topology& topology, const Pool& p,
                                       const std::vector<int>& free, int pool, int gpus) {
  std::vector<int> candidates = domains_of_pool(p);
  std::erase_if(candidates, [&](int d) { return free[d] <= 0; });
  if (candidates.empty()) return std::nullopt;
  std::map<int, int> room;
  for (int d : candidates) room.emplace(topology.leaf_of(d), 0);
  for (auto& [leaf, r] : room) r = room_of(topology, free, leaf);
  const int first = *std::min_element(candidates.begin(), candidates.end(), [&](int a, int b) {
    return free[a] != free[b] ? free[a] > free[b]
                              : room[topology.leaf_of(a)] > room[topology.leaf_of(b)];
  });
  const int home = topology.leaf_of(first);
  std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) {
    if (free[a] != free[b]) return free[a] > free[b];
    const int ha = topology.leaf_hops(home, topology.leaf_of(a));
    const int hb = topology.leaf_hops(home, topology.leaf_of(b));
    if (ha != hb) return ha < hb;
    return room[topology.leaf_of(a)] > room[topology.leaf_of(b)];
  });
  return fewest_domains(candidates, free, pool, gpus);
}

// Helios' consolidated placement: floor(gpus / domain) domains with every GPU free, chosen as
// the default rule would among them, and the remainder on the freest other domain that holds
// it, partly used or not.
std::optional<Placement> whole_domains_and_remainder(const Fleet& fleet, const Topology* topology,
                                                     const std::vector<int>& free, int pool,
                                                     int gpus) {
  const Pool& p = fleet.pools[pool];
  const int remainder = gpus % p.gpus_per_domain;
  std::vector<int> whole = free;
  for (int d = p.first_domain; d < p.first_domain + p.domain_count; ++d)
    if (whole[d] < fleet.domains[d].gpus) whole[d] = 0;
  auto placement = find_placement(fleet, topology, whole, pool, gpus - remainder, false);
  if (!placement || remainder == 0) return placement;
  int freest = -1;
  for (int d = p.first_domain; d < p.first_domain + p.domain_count; ++d) {
    const bool taken = std::any_of(placement->parts.begin(), placement->parts.end(),
                                   [d](const auto& part) { return part.domain == d; });
    if (!taken && free[d] >= remainder && (freest < 0 || free[d] > free[freest])) freest = d;
  }
  if (freest < 0) return std::nullopt;
  placement->parts.push_back({freest, remainder});
  std::sort(placement->parts.begin(), placement->parts.end(),
            [](const auto& a, const auto& b) { return a.domain < b.domain; });
  return placement;
}

}  // namespace

const char* to_string(PlacementRule rule) {
  switch (rule) {
    case PlacementRule::kTopology:
      return "topology";
    case PlacementRule::kFewestDomains:
      return "fewest-domains";
    case PlacementRule::kConsolidate:
      return "consolidate";
  }
  return "topology";
}

std::optional<PlacementRule> placement_rule_named(std::string_view name) {
  for (auto rule :
       {PlacementRule::kTopology, PlacementRule::kFewestDomains, PlacementRule::kConsolidate})
    if (name == to_string(rule)) return rule;
  return std::nullopt;
}

std::optional<Placement> find_placement(const Fleet& fleet, const Topology* topology,
                                        const std::vector<int>& free_per_domain, int pool, int gpus,
                                        bool whole_domains) {
  const Pool& p = fleet.pools[pool];
  if (gpus <= p.gpus_per_domain) {
    if (auto one = best_fit_domain(p, free_per_domain, pool, gpus)) return one;
    if (whole_domains) return std::nullopt;  // a job that fits one server waits for one
  }
  return find_spanning_placement(fleet, topology, free_per_domain, pool, gpus, whole_domains);
}

std::optional<Placement> find_spanning_placement(const Fleet& fleet, const Topology* topology,
                                                 const std::vector<int>& free_per_domain, int pool,
                                                 int gpus, bool whole_domains,
                                                 const DomainsByFree* index) {
  const Pool& p = fleet.pools[pool];
  if (whole_domains)
    return whole_domains_and_remainder(fleet, topology, free_per_domain, pool, gpus);
  auto blind = index ? index->fewest(pool, gpus)
                     : fewest_domains(domains_of_pool(p), free_per_domain, pool, gpus);
  if (topology == nullptr || !blind) return blind;
  if (auto one_leaf =
          under_one_leaf(*topology, free_per_domain, index, pool, gpus, blind->domains()))
    return one_leaf;
  return across_leaves(*topology, p, free_per_domain, pool, gpus);
}

DomainsByFree::DomainsByFree(const Fleet& fleet, const std::vector<int>& free_per_domain,
                             const Topology* topology)
    : fleet_(fleet), by_pool_(fleet.pools.size()) {
  for (size_t d = 0; d < fleet.domains.size(); ++d)
    by_pool_[fleet.domains[d].pool].emplace(free_per_domain[d], static_cast<int>(d));
  if (topology == nullptr) return;
  for (size_t d = 0; d < fleet.domains.size(); ++d) {
    const int leaf = topology->leaf_of(static_cast<int>(d));
    leaf_of_domain_.push_back(leaf);
    if (leaf >= static_cast<int>(leaf_room_.size())) leaf_room_.resize(leaf + 1, 0);
    leaf_room_[leaf] += free_per_domain[d];
  }
}

void DomainsByFree::changed(int domain, int before, int after) {
  if (before == after) return;
  if (!leaf_of_domain_.empty()) leaf_room_[leaf_of_domain_[domain]] += after - before;
  auto& domains = by_pool_[fleet_.domains[domain].pool];
  auto node = domains.extract({before, domain});
  node.value().first = after;
  domains.insert(std::move(node));
}

int DomainsByFree::best_fit(int pool, int gpus) const {
  const auto& domains = by_pool_[pool];
  const auto it = domains.lower_bound({gpus, std::numeric_limits<int>::min()});
  return it == domains.end() ? -1 : it->second;
}

// Groups of equally free domains from the freest down, each group in domain order: the order of
// fewest_domains' stable sort of the pool's domains (listed in domain order) by free GPUs.
std::optional<Placement> DomainsByFree::fewest(int pool, int gpus) const {
  const auto& domains = by_pool_[pool];
  Placement placement{pool, {}};
  int left = gpus;
  for (auto end = domains.end(); left > 0 && end != domains.begin();) {
    const int free = std::prev(end)->first;
    if (free <= 0) break;
    const auto begin = domains.lower_bound({free, std::numeric_limits<int>::min()});
    for (auto it = begin; it != end && left > 0; ++it) {
      const int take = std::min(left, free);
      placement.parts.push_back({it->second, take});
      left -= take;
    }
    end = begin;
  }
  if (left > 0) return std::nullopt;
  std::sort(placement.parts.begin(), placement.parts.end(),
            [](const auto& a, const auto& b) { return a.domain < b.domain; });
  return placement;
}

}  // namespace gpufleet
