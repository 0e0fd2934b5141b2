#include "study/summary_skeleton.hpp"

#include <algorithm>
#include <cctype>

#include "formats/workload_io.hpp"
#include "metrics/run_result.hpp"
#include "model/failure_model.hpp"
#include "model/gpu_catalog.hpp"
#include "outputs/summary.hpp"

namespace gpufleet {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Fleet fleet_of(const std::vector<PoolSpec>& specs) {
  std::vector<Pool> pools;
  std::map<std::string, int> seen;
  for (const auto& spec : specs) {
    const auto gpu = find_gpu(spec.model);
    if (!gpu) throw std::invalid_argument("unknown GPU model '" + spec.model + "'");
    Pool p;
    const int n = ++seen[gpu->model];  // platform_xml's names
    p.name =
        !spec.name.empty() ? spec.name : lower(gpu->model) + (n > 1 ? "-" + std::to_string(n) : "");
    p.gpu_model = gpu->model;
    p.role = parse_pool_role(spec.role.empty() ? gpu->role : spec.role);
    p.gpus_per_domain = spec.gpus_per_domain > 0 ? spec.gpus_per_domain : gpu->gpus_per_domain;
    p.peak_flops_per_gpu = gpu->bf16_flops;
    p.hbm_gb = gpu->hbm_gb;
    p.tdp_w = gpu->tdp_w;
    p.idle_w = gpu->idle_w;
    p.price_per_gpu_hour = gpu->price_per_gpu_hour;
    p.capex_per_gpu = gpu->capex_per_gpu;
    p.domain_count = spec.gpus / p.gpus_per_domain;
    pools.push_back(p);
  }
  // A loaded platform lists its pools by name (sim/platform_loader.cpp).
  std::stable_sort(pools.begin(), pools.end(),
                   [](const Pool& a, const Pool& b) { return a.name < b.name; });
  Fleet fleet;
  for (auto& p : pools) {
    p.first_domain = static_cast<int>(fleet.domains.size());
    const int index = static_cast<int>(fleet.pools.size());
    for (int d = 0; d < p.domain_count; ++d)
      fleet.domains.push_back({p.name + "-" + std::to_string(d), index, p.gpus_per_domain, -1});
    fleet.pools.push_back(p);
  }
  return fleet;
}

nlohmann::json summary_skeleton(const std::vector<PoolSpec>& pools, Workload workload,
                                const EconomicsParams& economics, bool failures,
                                const std::map<std::string, double>& policy_params,
                                const std::string& where) {
  const Fleet fleet = fleet_of(pools);
  bind_workload(workload, fleet, where);
  // Sized as the recorder sizes a run's result (metrics/recorder.cpp), nothing recorded.
  RunResult r;
  r.policy_params = policy_params;
  r.horizon_s = workload.horizon_s;
  const double interval = std::min(3600.0, r.horizon_s);
  const int pool_count = static_cast<int>(fleet.pools.size());
  const int services = static_cast<int>(workload.inference.size());
  r.training.resize(workload.training.size());
  r.leases.resize(workload.leases.size());
  r.contracts.resize(workload.contracts.size());
  r.services.resize(workload.inference.size());
  r.timeline = UsageTimeline(pool_count, r.horizon_s, interval);
  r.series = RunSeries(pool_count, services, r.horizon_s, interval);
  r.energy_j_per_pool.assign(pool_count, 0.0);
  r.failures_enabled = failures;
  for (const auto& cause : default_failure_model().causes) r.failure_causes.push_back(cause.name);
  nlohmann::json summary = summarize(fleet, workload, r);
  summary["economics"] = economics_json(fleet, workload, r, economics);
  return summary;
}

}  // namespace gpufleet
