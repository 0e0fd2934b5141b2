#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "formats/platform_writer.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// What a fleet's changes make of the scenario's fleet: its pools, and the contracts they add
// to its workload.
struct FleetVariant {
  std::vector<PoolSpec> pools;
  std::vector<Contract> contracts;
};

// Bounds of a fleet change (docs/studies.md, "Bounds"): GPUs added or taken at once, and a
// pool's GPUs after the change; a share of at most +1000% (the pool times 11).
constexpr double kMaxPoolGpus = 1'000'000;
constexpr double kMaxChangePercent = 1000;

// A change that cannot be made: which of the changes (its index) and why.
struct FleetChangeError : std::invalid_argument {
  FleetChangeError(size_t index, const std::string& what)
      : std::invalid_argument(what), index(index) {}
  size_t index;
};

// Fleet what-ifs applied in order to a fleet's pools: "H100:-50%" (a share of the model's GPUs),
// "GB300:+504" or "H100:-1024" (GPUs added or taken away), "B300:+576:training" (a new pool of a
// catalog model, with its role), "contract:MODEL:AMOUNT@PRICE[:TERM[:START]]" (AMOUNT GPUs, N%
// of the model's GPUs, or "all", committed to a tenant at PRICE per GPU-hour for TERM from
// START, durations like 365d or 12h; by default from 0 to `horizon_s`): a Contract of the
// workload, the pools unchanged. Counts are rounded to whole NVLink domains, and the rounding
// is said in `notes`; one that rounds to no GPU is refused. Throws FleetChangeError naming the
// change, its index and the fix.
FleetVariant apply_fleet_changes(std::vector<PoolSpec> pools,
                                 const std::vector<std::string>& changes, double horizon_s,
                                 std::vector<std::string>& notes);

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

}  // namespace gpufleet
