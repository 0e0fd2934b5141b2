#pragma once

#include <cstddef>
#include <vector>

#include "core/job_class.hpp"

namespace gpufleet {

// GPU-seconds and useful FLOPs per (pool, class) in fixed time bins over [0, horizon).
class UsageTimeline {
 public:
  UsageTimeline(int pools, double horizon_s, double interval_s);

  // Adds a constant `gpus` allocation (and `flops_per_s` useful work) over [t0, t1), clipped
  // to the horizon.
  void add(int pool, JobClass c, double t0, double t1, double gpus, double flops_per_s);

  int bins() const { return bins_; }
  double interval_s() const { return interval_s_; }
  double horizon_s() const { return horizon_s_; }
  double bin_start(int bin) const { return bin * interval_s_; }
  double bin_length(int bin) const;
  double gpu_seconds(int pool, JobClass c, int bin) const { return gpu_s_[index(pool, c, bin)]; }
  double flops(int pool, JobClass c, int bin) const { return flops_[index(pool, c, bin)]; }
  double total_gpu_seconds(int pool, JobClass c) const;
  double total_flops(int pool, JobClass c) const;
  int pools() const { return pools_; }

 private:
  size_t index(int pool, JobClass c, int bin) const {
    return (static_cast<size_t>(pool) * kJobClassCount + static_cast<size_t>(c)) * bins_ + bin;
  }

  int pools_;
  double horizon_s_;
  double interval_s_;
  int bins_;
  std::vector<double> gpu_s_;
  std::vector<double> flops_;
};

}  // namespace gpufleet
