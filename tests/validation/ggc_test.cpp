// The G/G/c waiting model (src/serving/queue_model.*: Hayward's peakedness for the
// probability of waiting, the heavy-traffic exponential wait beyond it) against the
// request-level simulation of ggc_simulation.hpp, at ca^2 = 1, 4 and 16, utilization 0.5 to
// 0.95, on 1, 16 and 300 slots. Each case prints its measured errors ([validation] lines);
// the bounds asserted are those docs/inference-latency.md, "Validation", states.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ggc_simulation.hpp"
#include "queueing.hpp"
#include "serving/queue_model.hpp"

namespace gpufleet::validation {
namespace {

// The quantiles of the simulated wait at which the model's share of late requests is
// compared (a latency budget at each): the on-time fraction's error over budgets.
constexpr double kBudgetQuantiles[] = {0.5, 0.8, 0.9, 0.95, 0.99};

struct Errors {
  double p_wait = 0;   // |model - simulation| of the probability of waiting
  double on_time = 0;  // largest |model - simulation| of P(wait > budget), budgets above and 0
  double p99 = 0;      // model / simulation - 1 of the wait's 99th percentile (0 if it is 0)
};

Errors measure(const GgcCase& c) {
  std::vector<double> waits = simulate_waits(c);
  const QueueLoad load{c.utilization * c.servers, static_cast<double>(c.servers), 1,
                       std::sqrt(c.arrival_scv), c.service_cv};
  const WaitTime model = wait_time(load);
  std::sort(waits.begin(), waits.end());
  const double n = static_cast<double>(waits.size());
  const auto late_after = [&](double t) {
    return 1 - (std::upper_bound(waits.begin(), waits.end(), t) - waits.begin()) / n;
  };
  Errors e;
  e.p_wait = std::abs(late_after(0) - model.p_wait);
  e.on_time = e.p_wait;
  for (double q : kBudgetQuantiles) {
    const double t = waits[static_cast<size_t>(q * n)];
    if (t > 0) e.on_time = std::max(e.on_time, std::abs(late_after(t) - (1 - model.cdf(t))));
  }
  const double p99 = waits[static_cast<size_t>(0.99 * n)];
  if (p99 > 0) e.p99 = model.quantile(0.99) / p99 - 1;
  return e;
}

// The stated error of a family and load band (docs/inference-latency.md, "Validation").
struct Bound {
  double p_wait, on_time, p99_low, p99_high;
};

std::string name(const GgcCase& c) {
  return std::string(c.gaps == Gaps::kGamma ? "gamma" : "h2") + "_ca2_" +
         std::to_string(static_cast<int>(c.arrival_scv)) + "_c" + std::to_string(c.servers) +
         "_rho" + std::to_string(static_cast<int>(std::lround(c.utilization * 100))) + "_cs" +
         std::to_string(static_cast<int>(std::lround(c.service_cv * 10)));
}

void check(double arrival_scv, Gaps gaps, double service_cv, const Bound& low_load,
           const Bound& high_load) {
  for (int servers : {1, 16, 300})
    for (double rho : {0.5, 0.75, 0.9, 0.95}) {
      const GgcCase c{servers, rho, arrival_scv, service_cv, gaps};
      const Errors e = measure(c);
      const std::string key = name(c);
      report(key + "_p_wait_error", e.p_wait);
      report(key + "_on_time_error", e.on_time);
      report(key + "_p99_error", e.p99);
      const Bound& b = rho < 0.75 ? low_load : high_load;
      EXPECT_LE(e.p_wait, b.p_wait) << key;
      EXPECT_LE(e.on_time, b.on_time) << key;
      EXPECT_GE(e.p99, b.p99_low) << key;
      EXPECT_LE(e.p99, b.p99_high) << key;
    }
}

TEST(GgcModel, PoissonArrivalsAreErlangC) {
  check(1, Gaps::kGamma, 1, {0.01, 0.01, -0.05, 0.05}, {0.015, 0.015, -0.12, 0.08});
}

TEST(GgcModel, GammaArrivalsOfSquaredCvFour) {
  check(4, Gaps::kGamma, 1, {0.10, 0.10, -0.05, 0.20}, {0.06, 0.06, -0.08, 0.08});
}

TEST(GgcModel, HyperexponentialArrivalsOfSquaredCvFour) {
  check(4, Gaps::kHyperexponential, 1, {0.13, 0.13, 0, 0.90}, {0.06, 0.06, -0.05, 0.25});
}

TEST(GgcModel, GammaArrivalsOfSquaredCvSixteen) {
  check(16, Gaps::kGamma, 1, {0.11, 0.11, 0, 0.30}, {0.08, 0.08, -0.10, 0.40});
}

TEST(GgcModel, HyperexponentialArrivalsOfSquaredCvSixteen) {
  check(16, Gaps::kHyperexponential, 1, {0.10, 0.35, 0, 2.5}, {0.07, 0.10, -0.05, 0.45});
}

TEST(GgcModel, GammaArrivalsWithLessVariableService) {
  check(4, Gaps::kGamma, 0.5, {0.07, 0.07, -0.05, 0.25}, {0.04, 0.04, -0.10, 0.10});
}

// The case: one replica of 16 slots at utilization 0.75, ca^2 = 4. Erlang C says
// 0.205 wait; the simulation 0.44 (gamma gaps) and 0.43 (hyperexponential).
TEST(GgcModel, BurstyArrivalsWaitMoreOftenThanErlangC) {
  const QueueLoad load{12, 16, 1, 2, 1};
  EXPECT_NEAR(gpufleet::erlang_c(16, 12), 0.205, 0.001);
  EXPECT_NEAR(wait_time(load).p_wait, 0.407, 0.001);
  EXPECT_NEAR(wait_time(load).mean_when_waiting_s, 2.5 / 4, 1e-12);  // (4 + 1) / 2 / (16 - 12)
}

}  // namespace
}  // namespace gpufleet::validation
