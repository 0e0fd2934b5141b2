#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// Reads a workload file (docs/workload-format.md); every problem is an InputError that names
// the file and field.
Workload load_workload(const std::string& file);
Workload parse_workload(const nlohmann::json& document, const std::string& file);
nlohmann::json workload_to_json(const Workload& workload);
nlohmann::json training_job_to_json(const TrainingJob& job);
// Writes workload_to_json(workload).dump(1) and a newline, byte for byte, one training job at
// a time: the tree of a year's 1.15M jobs took 5.7 GB.
void write_workload_json(std::ostream& out, const Workload& workload);
// The same document as text (plus "meta" when given), built one training job at a time so
// that a workload of many jobs never exists as one JSON tree.
std::string workload_to_text(const Workload& workload, const nlohmann::json& meta = nullptr);

// Checks the workload against the platform it will run on (GPU models, sizes, dependencies)
// and resolves relative speeds into MFUs. Throws InputError naming the file and field.
void bind_workload(Workload& workload, const Fleet& fleet, const std::string& file);

// Refuses demand curves that would expand to more than 2,000,000 steps over the horizon, all
// services together (docs/workload-format.md): memory and events grow with each step.
// `from_scenario`: the workload was drawn from the scenario `file`, not read from it.
void check_demand_steps(const Workload& workload, double horizon_s, const std::string& file,
                        bool from_scenario = false);

class JsonFields;
// A service's `serving` object (docs/workload-format.md) and its ttft_target_s and
// tpot_target_s, read from `service`; units_per_request < 0 when the service gives none.
ServedModel parse_served_model(const JsonFields& service, int gpus_per_replica,
                               double units_per_request);

// Pools whose GPU model no training job, service or lease of the workload names: whatever the
// policy, they sit idle (after bind_workload, which settles the names' spelling).
std::vector<int> unusable_pools(const Workload& workload, const Fleet& fleet);

}  // namespace gpufleet
