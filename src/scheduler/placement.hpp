#pragma once

#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "model/fleet.hpp"
#include "scheduler/topology.hpp"

namespace gpufleet {

// GPUs taken on each NVLink domain of one pool.
struct Placement {
  struct Part {
    int domain = 0;
    int gpus = 0;
  };
  int pool = -1;
  std::vector<Part> parts;

  int gpus() const;
  int domains() const { return static_cast<int>(parts.size()); }
};

// How the core places training jobs (--placement).
enum class PlacementRule {
  kTopology,       // fewest domains, under as few leaf switches as possible
  kFewestDomains,  // fewest domains, switches ignored
  kConsolidate,    // Helios' rule (also Philly's; Slurm's exclusive nodes): a job that fits a
                   // server waits for one; a larger one takes whole free servers, and its
                   // remainder goes to the freest other server
};
const char* to_string(PlacementRule rule);
std::optional<PlacementRule> placement_rule_named(std::string_view name);

// Chooses where `gpus` GPUs go in `pool`, given the free GPUs of every domain: one NVLink
// domain when the job fits in one (the fullest that still fits, to keep whole domains free
// for large jobs). Otherwise on the fewest domains (emptiest first, which keeps the
// all-reduce ring short), and with a topology, among such choices, under one leaf switch if
// one can hold it (the fullest such leaf), else on domains of the closest, roomiest leaves.
// With whole_domains (kConsolidate), a job that fits a domain never spans domains, and a larger
// one takes floor(gpus / domain size) domains with every GPU free plus its remainder on the
// freest other domain. nullopt if it does not fit.
std::optional<Placement> find_placement(const Fleet& fleet, const Topology* topology,
                                        const std::vector<int>& free_per_domain, int pool, int gpus,
                                        bool whole_domains = false);
class DomainsByFree;
// find_placement once no single domain holds the job (or it is larger than a domain): what
// the core calls after its own index of domains by free GPUs (DomainsByFree) found none. With
// `index` (kept for free_per_domain), the fewest domains and the leaves' rooms come from it
// instead of a sort and a sum over the pool's domains: the same placement.
std::optional<Placement> find_spanning_placement(const Fleet& fleet, const Topology* topology,
                                                 const std::vector<int>& free_per_domain, int pool,
                                                 int gpus, bool whole_domains,
                                                 const DomainsByFree* index = nullptr);

// The domains of each pool ordered by free GPUs, kept as the core's free GPUs change, so that a
// job or replica that fits one domain is placed in O(log domains) instead of a scan of its
// pool (a pool of 62,000 servers at 1,000,000 GPUs; thousands of replica starts a month when
// replicas follow demand). It answers exactly what find_placement's scan answers.
// With a topology it also keeps each leaf's free GPUs (its room).
class DomainsByFree {
 public:
  DomainsByFree(const Fleet& fleet, const std::vector<int>& free_per_domain,
                const Topology* topology = nullptr);
  // The domain's free GPUs went from `before` to `after`.
  void changed(int domain, int before, int after);
  // The fullest domain of the pool with at least `gpus` free, the lowest-numbered among equally
  // free ones; -1 if none.
  int best_fit(int pool, int gpus) const;
  // The fewest domains of the pool that hold `gpus`: the emptiest first, the lowest-numbered
  // among equally free ones (what the placement's sort of the pool's domains gives), in O(taken
  // x log domains); nullopt if the pool's free GPUs fall short.
  std::optional<Placement> fewest(int pool, int gpus) const;
  // The free GPUs under a leaf switch (needs the topology).
  int leaf_room(int leaf) const { return leaf_room_[leaf]; }

 private:
  const Fleet& fleet_;
  std::vector<std::set<std::pair<int, int>>> by_pool_;  // per pool, (free GPUs, domain)
  std::vector<int> leaf_of_domain_, leaf_room_;         // with a topology
};

}  // namespace gpufleet
