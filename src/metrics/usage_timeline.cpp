#include "metrics/usage_timeline.hpp"

namespace gpufleet {

UsageTimeline::UsageTimeline(int pools, double horizon_s, double interval_s)
    : pools_(pools),
      gpu_s_(pools * kJobClassCount, horizon_s, interval_s),
      flops_(pools * kJobClassCount, horizon_s, interval_s) {}

void UsageTimeline::add(int pool, JobClass c, double t0, double t1, double gpus,
                        double flops_per_s) {
  gpu_s_.add(series(pool, c), t0, t1, gpus);
  flops_.add(series(pool, c), t0, t1, flops_per_s);
}

}  // namespace gpufleet
