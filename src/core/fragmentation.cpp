#include "core/fragmentation.hpp"

#include <limits>

namespace gpufleet {

std::vector<int> fragmented_idle_gpus(const SchedulerCore& core) {
  const int pools = static_cast<int>(core.fleet().pools.size());
  std::vector<int> fragmented(pools, 0);
  // Smallest waiting job eligible for each pool; the scan stops as soon as every pool with
  // idle GPUs has a job that fits, so a full fleet or a short queue costs little.
  constexpr int kNone = std::numeric_limits<int>::max();
  std::vector<int> smallest(pools, kNone);
  int undecided = 0;
  for (int p = 0; p < pools; ++p) undecided += core.free_gpus(p) > 0;
  const auto& jobs = core.workload().training;
  for (auto it = core.waiting_training().begin();
       undecided > 0 && it != core.waiting_training().end(); ++it) {
    const int gpus = jobs[*it].gpus;
    for (int p : core.job_pools(*it)) {
      const int idle = core.free_gpus(p);
      if (idle == 0 || smallest[p] <= idle) continue;  // nothing idle, or already usable
      smallest[p] = std::min(smallest[p], gpus);
      if (gpus <= idle) --undecided;
    }
  }
  for (int p = 0; p < pools; ++p)
    if (smallest[p] != kNone && smallest[p] > core.free_gpus(p)) fragmented[p] = core.free_gpus(p);
  return fragmented;
}

}  // namespace gpufleet
