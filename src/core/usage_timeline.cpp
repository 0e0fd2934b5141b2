#include "core/usage_timeline.hpp"

#include <algorithm>
#include <cmath>

namespace gpufleet {

UsageTimeline::UsageTimeline(int pools, double horizon_s, double interval_s)
    : pools_(pools),
      horizon_s_(horizon_s),
      interval_s_(interval_s),
      bins_(std::max(1, static_cast<int>(std::ceil(horizon_s / interval_s - 1e-9)))),
      gpu_s_(static_cast<size_t>(pools) * kJobClassCount * bins_, 0.0),
      flops_(gpu_s_.size(), 0.0) {}

double UsageTimeline::bin_length(int bin) const {
  return std::min(interval_s_, horizon_s_ - bin_start(bin));
}

void UsageTimeline::add(int pool, JobClass c, double t0, double t1, double gpus,
                        double flops_per_s) {
  t0 = std::max(0.0, t0);
  t1 = std::min(horizon_s_, t1);
  if (!(t1 > t0)) return;
  const int first = std::min(bins_ - 1, static_cast<int>(t0 / interval_s_));
  for (int bin = first; bin < bins_ && bin_start(bin) < t1; ++bin) {
    const double overlap =
        std::min(t1, bin_start(bin) + bin_length(bin)) - std::max(t0, bin_start(bin));
    if (overlap <= 0) continue;
    gpu_s_[index(pool, c, bin)] += gpus * overlap;
    flops_[index(pool, c, bin)] += flops_per_s * overlap;
  }
}

double UsageTimeline::total_gpu_seconds(int pool, JobClass c) const {
  double total = 0;
  for (int bin = 0; bin < bins_; ++bin) total += gpu_seconds(pool, c, bin);
  return total;
}

double UsageTimeline::total_flops(int pool, JobClass c) const {
  double total = 0;
  for (int bin = 0; bin < bins_; ++bin) total += flops(pool, c, bin);
  return total;
}

}  // namespace gpufleet
