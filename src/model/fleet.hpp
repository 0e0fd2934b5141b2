#pragma once

#include <string>
#include <vector>

namespace gpufleet {

enum class PoolRole { kTraining, kInference };
PoolRole parse_pool_role(const std::string& text);  // throws std::invalid_argument
const char* to_string(PoolRole role);

// One NVLink domain (an NVL72 rack or an HGX server): one SimGrid host.
struct Domain {
  std::string host;  // SimGrid host name
  int pool = 0;      // index into Fleet::pools
  int gpus = 0;
  int leaf = -1;  // index of its leaf switch in the fleet (-1: unknown, one switch per pool)
};

// GPUs of one model, one role, on one fabric: a <cluster> of the platform.
struct Pool {
  std::string name;
  std::string gpu_model;
  PoolRole role = PoolRole::kTraining;
  int gpus_per_domain = 0;
  double peak_flops_per_gpu = 0;  // dense BF16
  double hbm_gb = 0;
  double tdp_w = 0;
  double idle_w = 0;
  double price_per_gpu_hour = 0;
  double capex_per_gpu = 0;
  int first_domain = 0;  // domains of a pool are contiguous in Fleet::domains
  int domain_count = 0;

  int gpus() const { return gpus_per_domain * domain_count; }
  double peak_flops() const { return peak_flops_per_gpu * gpus(); }
};

// The scheduler's view of the platform: pools and their domains, no SimGrid types.
struct Fleet {
  std::vector<Pool> pools;
  std::vector<Domain> domains;

  int total_gpus() const;
  double total_peak_flops() const;
  // Pools of that GPU model, in fleet order (pools sorted by name).
  std::vector<int> pools_of_model(const std::string& model) const;
  bool has_model(const std::string& model) const;
  double peak_flops_of_model(const std::string& model) const;  // 0 if absent
};

}  // namespace gpufleet
