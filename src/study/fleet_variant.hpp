#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// GPUs leased out as one block for the whole run (an external contract, like the lease of a
// whole cluster): taken out of internal use, and booked as revenue by the study.
struct FleetContract {
  std::string model;
  int gpus = 0;
  double price_per_gpu_hour = 0;
};

// A fleet what-if applied to a fleet's pools: "H100:-50%" (a share of the model's GPUs),
// "GB300:+504" or "H100:-1024" (GPUs added or taken away), "B300:+576:training" (a new pool of a
// catalog model, with its role), "contract:H100:2480@2.1" or "contract:H100:all@2.1" (GPUs
// leased out at that price per GPU-hour, added to `contracts`). Counts are rounded to whole
// NVLink domains, and the rounding is said in `notes`. Throws std::invalid_argument naming the
// change and the fix.
std::vector<PoolSpec> apply_fleet_changes(std::vector<PoolSpec> pools,
                                          const std::vector<std::string>& changes,
                                          std::vector<std::string>& notes,
                                          std::vector<FleetContract>* contracts = nullptr);

// Lets every training job use the models of the fleet's training pools that it does not list
// yet, at the catalog's training speed relative to its first generation (appended last, so
// that its own preferences come first). A new pool is then used without editing the workload.
// Returns how many generations it added.
long add_training_generations(Workload& workload, const std::vector<PoolSpec>& pools);

// Takes out what names a model the fleet no longer has (a pool leased out whole): those
// generations of jobs and services (relative speeds turned into MFUs first, from the catalog's
// peaks, as binding would), and lease requests for it. Throws std::invalid_argument when a job
// or service is left with no generation. Returns how many generations and leases it took out.
long drop_absent_models(Workload& workload, const std::vector<PoolSpec>& pools);

// What the contracts bring over `horizon_s`: {gpus, revenue_usd, depreciation_usd,
// power_cost_usd, margin_usd}. The contracted GPUs still depreciate (catalog capex over the
// default life) and draw their full power at the default PUE and price (the tenant's load).
nlohmann::json contracts_json(const std::vector<FleetContract>& contracts, double horizon_s);

}  // namespace gpufleet
