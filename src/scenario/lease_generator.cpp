#include <algorithm>
#include <cmath>
#include <cstdio>

#include "scenario/scenario_parts.hpp"

namespace gpufleet {

namespace {

// Each 30-day block's arrival times, then what each of its requests asks (RenewalProcess,
// kReferenceS): a longer horizon continues the stream.
constexpr std::uint64_t kLeaseStream = 3000;

int largest_pool_of(const std::string& model, const std::vector<PoolSpec>& fleet) {
  int largest = 0;
  for (const auto& pool : fleet)
    if (pool.model == model) largest = std::max(largest, pool.gpus);
  return largest;
}

// What one request asks: its model, size, duration and kind, from the lease stream.
LeaseRequest draw_lease(const LeaseMix& mix, const std::vector<PoolSpec>& fleet, double scale,
                        Rng& rng) {
  const double pick = rng.uniform();
  const LeaseModel* model = &mix.models.back();
  double cumulative = 0;
  for (const auto& m : mix.models)
    if (pick < (cumulative += m.share)) {
      model = &m;
      break;
    }
  LeaseRequest lease;
  lease.model = model->model;
  lease.gpus = draw_gpus(rng.uniform(), mix.gpus, scale, largest_pool_of(model->model, fleet));
  lease.duration_s = std::max(1.0, std::round(draw_lognormal(rng, mix.duration_d) * 86400));
  lease.preemptible = rng.uniform() < mix.preemptible_share;
  const double discount = lease.preemptible ? mix.preemptible_discount : 0;
  lease.price_per_gpu_hour = std::round(model->price_per_gpu_hour * (1 - discount) * 100) / 100;
  return lease;
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
  const double mean_gap_s = per_request / (mix.offered_load * base_gpus);
  if (mean_gap_s > 0 && std::isfinite(mean_gap_s))
    check_arrival_count(drawn_until_s(horizon_s) / mean_gap_s);
  Rng rng(seed, kLeaseStream);
  RenewalProcess arrivals(rng, mean_gap_s, mix.interarrival_cv);
  double gpu_seconds = 0;
  for (double block = 0; block < horizon_s; block += kReferenceS) {
    for (const double t : arrivals.until(block + kReferenceS)) {
      // Drawn past the horizon too, as a longer horizon draws them.
      LeaseRequest lease = draw_lease(mix, fleet, scale, rng);
      if (t >= horizon_s) continue;
      char id[32];
      std::snprintf(id, sizeof id, "lease-%06zu", out.leases.size());
      lease.id = id;
      lease.start_s = std::floor(t);  // whole seconds keep the files short
      gpu_seconds += lease.gpus * lease.duration_s;
      out.leases.push_back(std::move(lease));
    }
  }
  out.offered_load = gpu_seconds / (base_gpus * horizon_s);
  return out;
}

}  // namespace gpufleet
