#pragma once

#include <vector>

#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// N of finish-time fairness: how many training jobs shared a job's pool, on average over the
// job's life. A job in the system (submitted, not completed) counts for the pool it runs on,
// or, while it waits or is blocked, for its preferred pool (the first pool of its first-listed
// generation). Each change costs O(1).
class ContentionTracker {
 public:
  ContentionTracker(const Fleet& fleet, const Workload& workload);

  void submitted(int job, double now);
  void started(int job, int pool, double now);
  void preempted(int job, double now);
  // The time-average count on the job's preferred pool over [submit, now), at least 1.
  double completed(int job, double now);

  int preferred_pool(int job) const { return preferred_[job]; }

 private:
  void move(int job, int pool, double now);
  void advance(int pool, double now);

  std::vector<int> preferred_;
  std::vector<int> counted_on_;  // pool the job counts for, -1 when not in the system
  std::vector<double> submitted_at_;
  std::vector<double> integral_at_submit_;
  std::vector<int> count_;        // per pool
  std::vector<double> integral_;  // per pool: integral of count_ over time
  std::vector<double> clock_;     // per pool: time integral_ reaches
};

}  // namespace gpufleet
