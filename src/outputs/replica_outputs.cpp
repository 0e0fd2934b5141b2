#include "outputs/replica_outputs.hpp"

#include <algorithm>
#include <vector>

#include "metrics/stats.hpp"
#include "outputs/csv_numbers.hpp"

namespace gpufleet {

namespace {

// When the replica stopped holding its GPUs inside the window.
double held_until(const ReplicaRun& rep, double horizon) {
  return rep.end_s >= 0 ? rep.end_s : horizon;
}

// GPU-hours it spent loading: from its start to when it served, or stopped first.
double loading_gpu_hours(const ReplicaRun& rep, double horizon) {
  const double loaded = std::min(rep.ready_s, held_until(rep, horizon));
  return rep.gpus * std::max(0.0, loaded - rep.start_s) / 3600;
}

}  // namespace

std::string replicas_csv(const Fleet& fleet, const Workload& w, const RunResult& r) {
  std::string out =
      "id,service,pool,gpu_model,gpus,start_s,ready_s,end_s,reason,gpu_hours,loading_gpu_hours\n";
  std::vector<int> number(w.inference.size(), 0);
  for (const auto& rep : r.replicas) {
    const std::string& service = w.inference[rep.service].id;
    const auto& pool = fleet.pools[rep.pool];
    const double until = held_until(rep, r.horizon_s);
    // A replica stopped (or cut at the horizon) before it loaded never served: no ready time.
    const double ready = rep.ready_s <= until ? rep.ready_s : -1;
    out += service + "/r" + std::to_string(number[rep.service]++) + ',' + service + ',' +
           pool.name + ',' + pool.gpu_model + ',' + std::to_string(rep.gpus) + ',' +
           csv_seconds(rep.start_s) + ',' + csv_seconds(ready) + ',' + csv_seconds(rep.end_s) +
           ',' + (rep.end_s >= 0 ? to_string(rep.reason) : "running") + ',' +
           csv_hours(rep.gpus * (until - rep.start_s) / 3600) + ',' +
           csv_hours(loading_gpu_hours(rep, r.horizon_s)) + '\n';
  }
  return out;
}

nlohmann::json replica_churn_json(const RunResult& r, int service) {
  long starts = 0, stops = 0;
  double loading = 0;
  std::vector<double> lifetimes;
  for (const auto& rep : r.replicas) {
    if (service >= 0 && rep.service != service) continue;
    ++starts;
    stops += rep.end_s >= 0;
    loading += loading_gpu_hours(rep, r.horizon_s);
    lifetimes.push_back(held_until(rep, r.horizon_s) - rep.start_s);
  }
  std::sort(lifetimes.begin(), lifetimes.end());
  const auto lifetime = [&](double p) {
    return lifetimes.empty() ? nlohmann::json(nullptr) : nlohmann::json(nearest_rank(lifetimes, p));
  };
  return {{"starts", starts},
          {"stops", stops},
          {"lifetime_p10_s", lifetime(10)},
          {"lifetime_p50_s", lifetime(50)},
          {"cold_start_gpu_hours", loading}};
}

}  // namespace gpufleet
