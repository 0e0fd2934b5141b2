#include "metrics/fragmentation.hpp"

#include <limits>

namespace gpufleet {

std::vector<int> fragmented_idle_gpus(const SchedulerCore& core) {
  constexpr int kNoneWaiting = std::numeric_limits<int>::max();
  const int pools = static_cast<int>(core.fleet().pools.size());
  std::vector<int> fragmented(pools, 0);
  for (int p = 0; p < pools; ++p) {
    const int idle = core.free_gpus(p);
    const int smallest = core.smallest_waiting_gpus(p);
    if (idle > 0 && smallest != kNoneWaiting && smallest > idle) fragmented[p] = idle;
  }
  return fragmented;
}

}  // namespace gpufleet
