#pragma once

// A request-level simulation of the queue docs/inference-latency.md describes: renewal
// arrivals of a given squared CV, `servers` slots served first come first served, service
// times of a given CV. The reference the G/G/c waiting model is validated against
// (ggc_test.cpp); independent of gpufleet's code.
#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <random>
#include <vector>

namespace gpufleet::validation {

// The inter-arrival distribution behind a squared CV: a gamma (any ca^2; shape 1 / ca^2, so
// ca^2 = 16 is many short gaps and a few long ones) or a balanced two-phase hyperexponential
// (ca^2 >= 1; a mix of two exponential rates, each phase carrying half the mean).
enum class Gaps { kGamma, kHyperexponential };

struct GgcCase {
  int servers = 1;
  double utilization = 0.5;
  double arrival_scv = 1;  // ca^2
  double service_cv = 1;   // cs in [0, 1]: shifted exponential, m (1 - cs) + Exp(m cs)
  Gaps gaps = Gaps::kGamma;
  long requests = 1'000'000;  // measured, after a warm-up of a tenth as many
  unsigned long seed = 1;
};

// Waits in mean service times (the mean service time is 1), in arrival order.
inline std::vector<double> simulate_waits(const GgcCase& c) {
  std::mt19937_64 rng(c.seed);
  const double rate = c.utilization * c.servers;  // arrivals per mean service time
  std::function<double()> gap;
  if (c.gaps == Gaps::kGamma) {
    gap = [&rng, d = std::gamma_distribution<double>(
                     1 / c.arrival_scv, c.arrival_scv / rate)]() mutable { return d(rng); };
  } else {
    // Balanced means: p1 / mu1 = p2 / mu2; p1 solves ca^2 = 2 / (4 p1 (1 - p1)) - 1.
    const double p1 = (1 + std::sqrt((c.arrival_scv - 1) / (c.arrival_scv + 1))) / 2;
    gap = [&rng, fast = std::exponential_distribution<double>(2 * p1 * rate),
           slow = std::exponential_distribution<double>(2 * (1 - p1) * rate),
           pick = std::bernoulli_distribution(p1)]() mutable {
      return pick(rng) ? fast(rng) : slow(rng);
    };
  }
  const double cs = std::clamp(c.service_cv, 0.0, 1.0);
  std::exponential_distribution<double> tail(cs > 0 ? 1 / cs : 1.0);
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int s = 0; s < c.servers; ++s) free_at.push(0);
  const long warm_up = c.requests / 10;
  std::vector<double> waits;
  waits.reserve(c.requests);
  double t = 0;
  for (long i = 0; i < warm_up + c.requests; ++i) {
    t += gap();
    const double start = std::max(t, free_at.top());
    free_at.pop();
    free_at.push(start + (1 - cs) + (cs > 0 ? tail(rng) : 0.0));
    if (i >= warm_up) waits.push_back(start - t);
  }
  return waits;
}

}  // namespace gpufleet::validation
