#include <algorithm>
#include <cmath>
#include <cstdio>

#include "scenario/scenario_parts.hpp"

namespace gpufleet {

namespace {

constexpr std::uint64_t kLeaseStream = 3000;  // arrival times; + 1: what each request asks

int largest_pool_of(const std::string& model, const std::vector<PoolSpec>& fleet) {
  int largest = 0;
  for (const auto& pool : fleet)
    if (pool.model == model) largest = std::max(largest, pool.gpus);
  return largest;
}

}  // namespace

DrawnLeases generate_leases(const LeaseMix& mix, const std::vector<PoolSpec>& fleet, double scale,
                            double horizon_s, unsigned long seed) {
  DrawnLeases out;
  double base_gpus = 0;
  int cap = 0;
  for (const auto& m : mix.models) {
    for (const auto& pool : fleet)
      if (pool.model == m.model) base_gpus += pool.gpus;
    cap = std::max(cap, largest_pool_of(m.model, fleet));
  }
  if (base_gpus <= 0 || mix.models.empty()) return out;

  // Little's law again: mean GPUs requested = request rate x mean GPU-seconds per request.
  const double per_request = mean_gpus(mix.gpus, scale, cap) * mix.duration_d.mean() * 86400;
  Rng rng(seed, kLeaseStream);
  const auto arrivals = renewal_arrivals(rng, per_request / (mix.offered_load * base_gpus),
                                         mix.interarrival_cv, horizon_s);
  double gpu_seconds = 0;
  for (size_t i = 0; i < arrivals.size(); ++i) {
    const double pick = rng.uniform();
    const LeaseModel* model = &mix.models.back();
    double cumulative = 0;
    for (const auto& m : mix.models)
      if (pick < (cumulative += m.share)) {
        model = &m;
        break;
      }
    LeaseRequest lease;
    char id[32];
    std::snprintf(id, sizeof id, "lease-%06zu", i);
    lease.id = id;
    lease.model = model->model;
    lease.start_s = arrivals[i];
    lease.gpus = draw_gpus(rng.uniform(), mix.gpus, scale, largest_pool_of(model->model, fleet));
    lease.duration_s = std::max(1.0, std::round(draw_lognormal(rng, mix.duration_d) * 86400));
    lease.preemptible = rng.uniform() < mix.preemptible_share;
    const double discount = lease.preemptible ? mix.preemptible_discount : 0;
    lease.price_per_gpu_hour = std::round(model->price_per_gpu_hour * (1 - discount) * 100) / 100;
    gpu_seconds += lease.gpus * lease.duration_s;
    out.leases.push_back(std::move(lease));
  }
  out.offered_load = gpu_seconds / (base_gpus * horizon_s);
  return out;
}

}  // namespace gpufleet
