#pragma once

#include <span>
#include <vector>

#include "serving/queue_model.hpp"

namespace gpufleet {

// Requests of one pool over a span as a latency distribution: `units` of them, each with a
// latency of offset_s plus its queueing wait divided by `scale` (the wait spread over a
// request's units for a per-unit latency; 1 for a time to first token).
struct LatencyComponent {
  double units = 0;
  double offset_s = 0;
  double scale = 1;
  WaitTime wait;
};

// The latency distribution of a service's requests: P(latency <= x) is the sum over the
// components, in their order, of units x wait.cdf((x - offset_s) x scale), over `total` units
// demanded (the components' units summed in order after those that never arrived).
class LatencyMixture {
 public:
  LatencyMixture(std::span<const LatencyComponent> components, double total);

  // The p-quantile as SloTracker has always computed it: a bisection on that sum to a relative
  // 1e-9 (infinity beyond 1e7 s), bit for bit, at a few evaluations of the sum instead of one
  // per step (docs/performance.md, "The request-latency percentiles").
  double quantile(double p) const;

  // How many times the sum was evaluated (for tests and measurements).
  long evaluations() const { return evaluations_; }

 private:
  friend class QuantileSearch;
  std::span<const LatencyComponent> components_;
  double total_;
  // The components' offsets in increasing order, with the running sums up to each of their
  // units and of their units that never wait: bounds on the sum at any x without evaluating it.
  std::vector<double> offsets_, units_upto_, unwaited_upto_;
  mutable long evaluations_ = 0;
};

}  // namespace gpufleet
