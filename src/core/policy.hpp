#pragma once

#include <memory>
#include <string>
#include <vector>

namespace gpufleet {

class SchedulerCore;

// A scheduling policy: called by the core after every batch of events; it reads queues and
// free capacity from the core and decides through the core's decision calls.
class Policy {
 public:
  virtual ~Policy() = default;
  virtual void schedule(SchedulerCore& core) = 0;
};

struct PolicyInfo {
  std::string name;
  std::string description;
  std::unique_ptr<Policy> (*make)();
};

const std::vector<PolicyInfo>& policy_registry();
// Throws std::invalid_argument listing the valid names.
std::unique_ptr<Policy> make_policy(const std::string& name);
std::string policy_names();

}  // namespace gpufleet
