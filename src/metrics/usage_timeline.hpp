#pragma once

#include "metrics/binned_series.hpp"
#include "model/job_class.hpp"

namespace gpufleet {

// GPU-seconds and useful FLOPs per (pool, class) in fixed time bins over [0, horizon).
class UsageTimeline {
 public:
  UsageTimeline(int pools, double horizon_s, double interval_s);

  // Adds a constant `gpus` allocation (and `flops_per_s` useful work) over [t0, t1), clipped
  // to the horizon.
  void add(int pool, JobClass c, double t0, double t1, double gpus, double flops_per_s);

  int bins() const { return gpu_s_.bins(); }
  double interval_s() const { return gpu_s_.interval_s(); }
  double horizon_s() const { return gpu_s_.horizon_s(); }
  double bin_start(int bin) const { return gpu_s_.bin_start(bin); }
  double bin_length(int bin) const { return gpu_s_.bin_length(bin); }
  double gpu_seconds(int pool, JobClass c, int bin) const {
    return gpu_s_.integral(series(pool, c), bin);
  }
  double flops(int pool, JobClass c, int bin) const {
    return flops_.integral(series(pool, c), bin);
  }
  double total_gpu_seconds(int pool, JobClass c) const { return gpu_s_.total(series(pool, c)); }
  double total_flops(int pool, JobClass c) const { return flops_.total(series(pool, c)); }
  int pools() const { return pools_; }

 private:
  static int series(int pool, JobClass c) { return pool * kJobClassCount + static_cast<int>(c); }

  int pools_;
  BinnedSeries gpu_s_;
  BinnedSeries flops_;
};

}  // namespace gpufleet
