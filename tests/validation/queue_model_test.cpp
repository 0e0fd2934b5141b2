// The request-latency model (src/model/queue_model.*) against Erlang's formulas worked by
// recursion and against a sample-path simulation of the queue it describes.
#include "serving/queue_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <queue>
#include <random>
#include <vector>

namespace gpufleet::test {
namespace {

// Erlang C for whole server counts by the textbook recursion on Erlang B, independent of the
// incomplete-gamma form the model uses.
double erlang_c_by_recursion(int servers, double offered) {
  double b = 1;
  for (int k = 1; k <= servers; ++k) b = offered * b / (k + offered * b);
  const double rho = offered / servers;
  return b / (1 - rho * (1 - b));
}

struct Sampled {
  double mean_s = 0;
  double p90_s = 0;
  double mean_wait_s = 0;
};

// A first-come first-served queue on `servers` slots, Poisson arrivals, service times from
// `draw_service`: every request takes the slot that frees first.
Sampled simulate(int servers, double arrival_rate,
                 const std::function<double(std::mt19937_64&)>& draw_service, int requests) {
  std::mt19937_64 rng(20261201);
  std::exponential_distribution<double> gap(arrival_rate);
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int s = 0; s < servers; ++s) free_at.push(0);
  std::vector<double> response;
  response.reserve(requests);
  double t = 0, waits = 0;
  for (int i = 0; i < requests + requests / 10; ++i) {
    t += gap(rng);
    const double start = std::max(t, free_at.top());
    free_at.pop();
    const double end = start + draw_service(rng);
    free_at.push(end);
    if (i < requests / 10) continue;  // warm-up: the queue starts empty
    response.push_back(end - t);
    waits += start - t;
  }
  Sampled out;
  for (double r : response) out.mean_s += r;
  out.mean_s /= response.size();
  out.mean_wait_s = waits / response.size();
  std::nth_element(response.begin(), response.begin() + response.size() * 9 / 10, response.end());
  out.p90_s = response[response.size() * 9 / 10];
  return out;
}

TEST(QueueModel, ErlangCMatchesTheRecursionFromOneToThousandsOfServers) {
  EXPECT_NEAR(erlang_c(2, 1), 1.0 / 3, 1e-12);  // by hand: P0 = 1/3, C = 0.5 / 0.5 x 1/3
  for (int c : {1, 2, 8, 64, 481, 5000})
    for (double rho : {0.3, 0.8, 0.95, 0.99}) {
      const double expected = erlang_c_by_recursion(c, rho * c);
      EXPECT_NEAR(erlang_c(c, rho * c), expected, 1e-9 + 1e-7 * expected) << c << " " << rho;
    }
  EXPECT_EQ(erlang_c(10, 0), 0);
  EXPECT_EQ(erlang_c(10, 10), 1);
}

TEST(QueueModel, MMcResponseTimeMeanAndP90WithinTwoPercentOfTheSampledQueue) {
  for (const auto& [servers, rho] : {std::pair{1, 0.7}, {4, 0.85}, {16, 0.9}}) {
    const double service_s = 2;
    const QueueLoad load{rho * servers / service_s, static_cast<double>(servers), service_s, 1, 1};
    std::exponential_distribution<double> service(1 / service_s);
    const Sampled s = simulate(
        servers, load.arrival_rate, [&](std::mt19937_64& rng) { return service(rng); }, 2'000'000);
    EXPECT_NEAR(response_time_mean(load), s.mean_s, 0.02 * s.mean_s) << servers;
    EXPECT_NEAR(response_time_quantile(load, 0.9), s.p90_s, 0.02 * s.p90_s) << servers;
  }
}

TEST(QueueModel, MD1WaitIsPollaczekKhinchineAndMatchesTheSampledQueue) {
  const double service_s = 1, rho = 0.8;
  const QueueLoad load{rho / service_s, 1, service_s, 1, 0};
  // Pollaczek-Khinchine for deterministic service: W = rho S / (2 (1 - rho)).
  EXPECT_NEAR(wait_time(load).mean_s(), rho * service_s / (2 * (1 - rho)), 1e-12);
  const Sampled s = simulate(
      1, load.arrival_rate, [&](std::mt19937_64&) { return service_s; }, 2'000'000);
  EXPECT_NEAR(response_time_mean(load), s.mean_s, 0.02 * s.mean_s);
}

TEST(QueueModel, WaitTimeQuantileInvertsItsDistribution) {
  const WaitTime w{0.4, 3};
  EXPECT_EQ(w.quantile(0.5), 0);  // 60% never wait
  EXPECT_NEAR(w.cdf(w.quantile(0.9)), 0.9, 1e-12);
  EXPECT_NEAR(w.cdf(w.quantile(0.99)), 0.99, 1e-12);
}

TEST(QueueModel, PeakednessWorkedByHand) {
  // 1 + (ca^2 - 1)(1 - cs / 2): Poisson is 1 whatever the service.
  EXPECT_DOUBLE_EQ(peakedness({1, 4, 1, 1, 0.3}), 1);
  EXPECT_DOUBLE_EQ(peakedness({1, 4, 1, 2, 1}), 2.5);  // GI/M/c: (1 + ca^2) / 2
  EXPECT_DOUBLE_EQ(peakedness({1, 4, 1, 2, 0}), 4);    // deterministic service: ca^2
  EXPECT_DOUBLE_EQ(peakedness({1, 4, 1, 4, 0.5}), 12.25);
  EXPECT_GT(peakedness({1, 4, 1, 0, 0}), 0);  // D/D/c: kept above zero
}

TEST(QueueModel, BurstyWaitIsErlangCOnFewerSlotsAndTheHeavyTrafficMean) {
  // ca^2 = 9, exponential service: z = 5; 20 slots at utilization 0.8 delay like 4 at 0.8.
  const QueueLoad load{16, 20, 1, 3, 1};
  const WaitTime w = wait_time(load);
  EXPECT_NEAR(w.p_wait, erlang_c_by_recursion(4, 3.2), 1e-9);
  EXPECT_NEAR(w.mean_when_waiting_s, (9 + 1) / 2.0 / (20 - 16), 1e-12);
  EXPECT_GT(w.p_wait, erlang_c(20, 16));
  // Slots need not be whole: between its neighbours, and continuous.
  const auto p = [](double servers) { return wait_time({16, servers, 1, 3, 1}).p_wait; };
  EXPECT_LT(p(20.5), p(20));
  EXPECT_GT(p(20.5), p(21));
  EXPECT_NEAR(p(20 + 1e-9), p(20), 1e-6);
}

TEST(QueueModel, SaturatedQueueWaitsForever) {
  const QueueLoad load{5, 4, 1, 1, 1};
  EXPECT_FALSE(std::isfinite(wait_time(load).mean_when_waiting_s));
  EXPECT_LT(response_time_cdf(load, 1e9), 1e-12);
}

}  // namespace
}  // namespace gpufleet::test
