#include "metrics/contention.hpp"

#include <algorithm>

namespace gpufleet {

ContentionTracker::ContentionTracker(const Fleet& fleet, const Workload& workload)
    : preferred_(workload.training.size(), -1),
      counted_on_(workload.training.size(), -1),
      submitted_at_(workload.training.size(), 0.0),
      integral_at_submit_(workload.training.size(), 0.0),
      count_(fleet.pools.size(), 0),
      integral_(fleet.pools.size(), 0.0),
      clock_(fleet.pools.size(), 0.0) {
  for (size_t j = 0; j < workload.training.size(); ++j) {
    const auto pools = fleet.pools_of_model(workload.training[j].generations.front().model);
    if (!pools.empty()) preferred_[j] = pools.front();
  }
}

void ContentionTracker::advance(int pool, double now) {
  integral_[pool] += count_[pool] * (now - clock_[pool]);
  clock_[pool] = now;
}

void ContentionTracker::move(int job, int pool, double now) {
  if (counted_on_[job] >= 0) {
    advance(counted_on_[job], now);
    --count_[counted_on_[job]];
  }
  counted_on_[job] = pool;
  if (pool < 0) return;
  advance(pool, now);
  ++count_[pool];
}

void ContentionTracker::submitted(int job, double now) {
  const int pool = preferred_[job];
  if (pool < 0) return;
  move(job, pool, now);
  submitted_at_[job] = now;
  integral_at_submit_[job] = integral_[pool];
}

void ContentionTracker::started(int job, int pool, double now) {
  if (counted_on_[job] >= 0) move(job, pool, now);
}

void ContentionTracker::preempted(int job, double now) {
  if (counted_on_[job] >= 0) move(job, preferred_[job], now);
}

double ContentionTracker::completed(int job, double now) {
  const int pool = preferred_[job];
  if (pool < 0 || counted_on_[job] < 0) return 1;
  advance(pool, now);
  const double life = now - submitted_at_[job];
  const double mean = life > 0 ? (integral_[pool] - integral_at_submit_[job]) / life : 1;
  move(job, -1, now);
  return std::max(1.0, mean);
}

}  // namespace gpufleet
