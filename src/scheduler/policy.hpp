#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpufleet {

class SchedulerCore;

// What planning policies know of a training job's length (SchedulerCore::planned_runtime_s):
// its walltime, the limit the user asked for, as a real scheduler does; or, as a reference for
// measuring what that costs, its exact compute time (`gpufleet run --plan-with exact`: an
// oracle, never a default).
enum class RuntimePlanning { kWalltime, kExact };
const char* to_string(RuntimePlanning planning);
std::optional<RuntimePlanning> runtime_planning_named(std::string_view name);

// A scheduling policy: called by the core after every batch of events; it reads queues and
// free capacity from the core and decides through the core's decision calls.
class Policy {
 public:
  virtual ~Policy() = default;
  virtual void schedule(SchedulerCore& core) = 0;
  // The parameters it runs with, defaults included, for the run's summary.
  virtual std::map<std::string, double> params() const { return {}; }
};

// A number a policy part reads, settable with `--param name=value`.
struct PolicyParam {
  std::string name;
  std::string meaning;
  double default_value = 0;
  double min = 0;
  double max = 1e300;
  bool whole = false;  // only whole numbers (e.g. a 0/1 switch)
};

// One name a policy can be built from. A policy name joins parts with '+', e.g.
// "easy-backfill+spillover": at most one training order, any number of additions.
struct PolicyInfo {
  std::string name;
  std::string description;
  bool is_training_order = false;  // fifo-like parts exclude each other
  std::vector<PolicyParam> params;
};

using PolicyParams = std::map<std::string, double>;

const std::vector<PolicyInfo>& policy_registry();
// Builds "part[+part...]" with "name=value" parameters. Throws std::invalid_argument naming
// the valid parts or parameters and their ranges.
std::unique_ptr<Policy> make_policy(const std::string& name,
                                    const std::vector<std::string>& params = {});
std::string policy_names();

}  // namespace gpufleet
