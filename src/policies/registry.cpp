#include <stdexcept>

#include "core/policy.hpp"
#include "policies/policies.hpp"

namespace gpufleet {

const std::vector<PolicyInfo>& policy_registry() {
  static const std::vector<PolicyInfo> registry = {
      {"static-partition",
       "The status quo. Training runs first-come first-served on training pools only (the head of "
       "the queue blocks the rest); each inference service holds, on inference pools only, the "
       "replicas its peak demand needs (operators provision for peak), whatever the hour; every "
       "external lease request is refused.",
       make_static_partition},
      {"easy-backfill",
       "static-partition with EASY backfilling for training: the head of the queue gets a "
       "reservation at the earliest time enough GPUs free up (running jobs' compute time as "
       "their runtime estimate), and any later job that fits now starts if it ends before that "
       "time or uses only GPUs the reservation leaves spare. Inference and leases as "
       "static-partition.",
       make_easy_backfill},
  };
  return registry;
}

std::string policy_names() {
  std::string names;
  for (const auto& p : policy_registry()) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

std::unique_ptr<Policy> make_policy(const std::string& name) {
  for (const auto& p : policy_registry())
    if (p.name == name) return p.make();
  throw std::invalid_argument("unknown policy '" + name + "'; valid policies: " + policy_names());
}

}  // namespace gpufleet
