// The request-latency percentiles (LatencyMixture::quantile) bit for bit against the bisection
// SloTracker ran before it (kept here verbatim as the reference), on random mixtures shaped
// like a run's: many components at a few offsets, waits from none to long, shed units.
#include "serving/latency_mixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace gpufleet::test {
namespace {

// SloTracker::quantile as it was (d4788ea), every midpoint evaluated; counts its evaluations.
double bisection_quantile(const std::vector<LatencyComponent>& shares, double total, double p,
                          long& evaluations) {
  if (total <= 0 || shares.empty()) return total <= 0 ? 0 : std::numeric_limits<double>::infinity();
  const auto cdf = [&](double x) {
    ++evaluations;
    double below = 0;
    for (const auto& s : shares)
      if (x >= s.offset_s) below += s.units * s.wait.cdf((x - s.offset_s) * s.scale);
    return below / total;
  };
  double lo = shares.front().offset_s;
  for (const auto& s : shares) lo = std::min(lo, s.offset_s);
  if (cdf(lo) >= p) return lo;
  double hi = 2 * lo;
  while (cdf(hi) < p) {
    if (hi > 1e7) return std::numeric_limits<double>::infinity();
    hi *= 2;
  }
  for (int i = 0; i < 100 && hi - lo > 1e-9 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (cdf(mid) >= p ? hi : lo) = mid;
  }
  return hi;
}

struct Mixture {
  std::vector<LatencyComponent> components;
  double total = 0;
};

// Components at a few offsets (a run's steps repeat their generation's latency) or at
// scattered ones; waits none, rare or common, short or long; per-unit scales or 1.
Mixture random_mixture(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  const int sizes[] = {1, 2, 3, 10, 100, 1000, 3000};
  const int n = sizes[rng() % std::size(sizes)];
  std::vector<double> offsets(1 + rng() % 6);
  for (auto& o : offsets) o = 0.005 + 0.2 * unit(rng);
  const bool scattered = rng() % 3 == 0;
  const double scale = rng() % 2 ? 1 : 50 + 1000 * unit(rng);
  const double waiting = std::pow(10, -6 * unit(rng));  // typical p_wait
  const double mean_s = std::pow(10, -4 + 5 * unit(rng));
  Mixture m;
  for (int i = 0; i < n; ++i) {
    LatencyComponent c;
    c.units = std::exp(8 * unit(rng)) * (rng() % 50 == 0 ? 1e-9 : 1);
    c.offset_s = scattered ? offsets[0] * (1 + unit(rng)) : offsets[rng() % offsets.size()];
    c.scale = scale;
    const int kind = static_cast<int>(rng() % 10);
    c.wait.p_wait = kind == 0 ? 0 : kind == 1 ? unit(rng) : std::min(1.0, waiting * 2 * unit(rng));
    c.wait.mean_when_waiting_s = kind == 2 ? 0 : mean_s * (0.5 + unit(rng));
    m.components.push_back(c);
  }
  double total = rng() % 4 == 0 ? 0 : std::exp(6 * unit(rng)) * (rng() % 3 == 0 ? 1e3 : 1);
  for (const auto& c : m.components) total += c.units;
  m.total = total;
  return m;
}

TEST(LatencyMixture, QuantilesAreTheBisectionsBitForBit) {
  std::mt19937_64 rng(31);
  std::uniform_real_distribution<double> unit(0, 1);
  long reference_evaluations = 0, evaluations = 0, infinite = 0, at_offsets = 0;
  for (int trial = 0; trial < 1000; ++trial) {
    const Mixture m = random_mixture(rng);
    const LatencyMixture mixture(m.components, m.total);
    for (double p : {0.5, 0.9, 0.99, 0.999, unit(rng), 1.0}) {
      const double want = bisection_quantile(m.components, m.total, p, reference_evaluations);
      const double got = mixture.quantile(p);
      ASSERT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(want))
          << "trial " << trial << " p " << p << " components " << m.components.size() << ": got "
          << got << ", the bisection " << want;
      infinite += std::isinf(want);
      at_offsets += std::any_of(m.components.begin(), m.components.end(),
                                [&](const auto& c) { return c.offset_s == want; });
    }
    evaluations = mixture.evaluations() + evaluations;
  }
  // The cases reach both ends (infinite percentiles, percentiles at a step) and the middle.
  std::printf("%ld evaluations, the bisection %ld; %ld infinite, %ld at an offset\n", evaluations,
              reference_evaluations, infinite, at_offsets);
  EXPECT_GT(infinite, 100);
  EXPECT_GT(at_offsets, 100);
  // The point of it: far fewer evaluations of the sum than one per bisection step.
  EXPECT_LT(evaluations * 3, reference_evaluations)
      << evaluations << " evaluations against the bisection's " << reference_evaluations;
}

// A share whose offset is not a number is never within x, for the bisection as for the bounds.
TEST(LatencyMixture, ANanOffsetIsNeverReached) {
  std::vector<LatencyComponent> shares = {{5, 0.02, 1, {0.3, 0.01}},
                                          {7, std::numeric_limits<double>::quiet_NaN(), 1, {}},
                                          {9, 0.03, 1, {}},
                                          {1, 0.01, 1, {0.5, 0.1}}};
  const double total = 5 + 7 + 9 + 1;
  const LatencyMixture mixture(shares, total);
  long evaluations = 0;
  for (double p : {0.1, 0.3, 0.5, 0.68, 0.9})
    EXPECT_EQ(std::bit_cast<uint64_t>(mixture.quantile(p)),
              std::bit_cast<uint64_t>(bisection_quantile(shares, total, p, evaluations)))
        << p;
}

TEST(LatencyMixture, EmptyAndZeroTotals) {
  const std::vector<LatencyComponent> none;
  EXPECT_EQ(LatencyMixture(none, 0).quantile(0.5), 0);
  EXPECT_TRUE(std::isinf(LatencyMixture(none, 5).quantile(0.5)));
  const std::vector<LatencyComponent> one = {{2, 0.1, 1, {}}};
  EXPECT_EQ(LatencyMixture(one, 2).quantile(0.99), 0.1);          // no wait: the offset itself
  EXPECT_TRUE(std::isinf(LatencyMixture(one, 4).quantile(0.9)));  // half of it shed
}

}  // namespace
}  // namespace gpufleet::test
