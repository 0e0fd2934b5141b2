#pragma once

#include <optional>
#include <string_view>
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

}  // namespace gpufleet
