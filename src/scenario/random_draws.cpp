#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "scenario/scenario_parts.hpp"

namespace gpufleet {

double drawn_until_s(double horizon_s) {
  return std::max(1.0, std::ceil(horizon_s / kReferenceS)) * kReferenceS;
}

double growth_factor(double g, double t_s) {
  return g == 0 ? 1 : std::pow(1 + g, t_s / kMonthS);
}

double grown_time_s(double g, double t_s) {
  if (g == 0) return t_s;
  const double k = std::log1p(g) / kMonthS;
  return std::expm1(k * t_s) / k;
}

double time_of_grown_s(double g, double tau_s) {
  if (g == 0) return tau_s;
  const double k = std::log1p(g) / kMonthS;
  return std::log1p(k * tau_s) / k;  // finite for the tau of grown_time_s
}

void check_arrival_count(double expected) {
  if (expected > kMaxArrivals)
    throw std::invalid_argument("the scenario would draw about " +
                                std::to_string(std::llround(std::min(expected, 1e18))) +
                                " arrivals of one class: lower its offered_load or "
                                "growth_per_month, or raise its sizes or durations");
}

RenewalProcess::RenewalProcess(Rng& rng, double mean_gap_s, double cv)
    : rng_(rng), mean_gap_s_(mean_gap_s), cv_(cv), next_(std::numeric_limits<double>::infinity()) {
  if (!(mean_gap_s > 0) || !std::isfinite(mean_gap_s)) return;
  // Start the process in its stationary state, as if it had been running before t = 0: the
  // gap that spans t = 0 is length-biased (gamma shape k + 1 for gamma shape k) and t = 0
  // falls uniformly inside it. Starting with a fresh gap would under-fill the first weeks.
  const double shape = 1 / (cv * cv);
  const double spanning =
      rng.gamma_mean_cv(mean_gap_s * (shape + 1) / shape, 1 / std::sqrt(shape + 1));
  next_ = rng.uniform() * spanning;
}

std::vector<double> RenewalProcess::until(double end_s) {
  std::vector<double> times;
  for (; next_ < end_s; next_ += rng_.gamma_mean_cv(mean_gap_s_, cv_)) times.push_back(next_);
  return times;
}

std::vector<double> renewal_arrivals(Rng& rng, double mean_gap_s, double cv, double horizon_s) {
  if (mean_gap_s > 0 && std::isfinite(mean_gap_s)) check_arrival_count(horizon_s / mean_gap_s);
  auto times = RenewalProcess(rng, mean_gap_s, cv).until(horizon_s);
  for (double& t : times) t = std::floor(t);  // whole seconds keep the files short
  return times;
}

int draw_gpus(double u, const GpuRange& range, double scale, int cap) {
  const double factor = std::pow(scale, range.scale_exponent);
  const double lo = range.min * factor;
  const double hi = range.max * factor;
  const double x = lo * std::pow(hi / lo, u);  // log-uniform: as many 8-16 as 512-1024 jobs
  const int multiple = range.multiple;
  const int largest = std::max(multiple, cap / multiple * multiple);
  const int gpus = multiple * std::max(1L, std::lround(x / multiple));
  return std::min(gpus, largest);
}

double mean_gpus(const GpuRange& range, double scale, int cap) {
  // Midpoint rule over the uniform variable: exact up to the rounding steps, deterministic.
  constexpr int kPoints = 4096;
  double sum = 0;
  for (int i = 0; i < kPoints; ++i) sum += draw_gpus((i + 0.5) / kPoints, range, scale, cap);
  return sum / kPoints;
}

double draw_lognormal(Rng& rng, const LogNormal& d) {
  return std::clamp(d.median * std::exp(d.sigma * rng.normal()), d.min, d.max);
}

}  // namespace gpufleet
