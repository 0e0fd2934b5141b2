#include "study/summary_skeleton.hpp"

#include <algorithm>

#include "formats/workload_io.hpp"
#include "metrics/run_result.hpp"
#include "model/failure_model.hpp"
#include "outputs/summary.hpp"

namespace gpufleet {

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
