#include "serving/queue_model.hpp"

#include <algorithm>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>

namespace gpufleet {

namespace {

constexpr double kLeastPeakedness = 1e-3;

// The least t in [lo, ...) with cdf(t) >= p, by doubling then bisection (cdf non-decreasing).
template <class Cdf>
double invert(const Cdf& cdf, double lo, double scale, double p) {
  if (cdf(lo) >= p) return lo;
  double hi = lo + std::max(scale, 1e-12);
  while (cdf(hi) < p) {
    hi = lo + 2 * (hi - lo);
    if (hi > 1e15) return std::numeric_limits<double>::infinity();
  }
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (cdf(mid) >= p ? hi : lo) = mid;
  }
  return hi;
}

// P(Y + X <= u) for independent exponentials of rates theta and beta.
double sum_of_exponentials_cdf(double theta, double beta, double u) {
  if (std::abs(beta - theta) <= 1e-9 * std::max(beta, theta))
    return 1 - (1 + theta * u) * std::exp(-theta * u);
  return 1 - (beta * std::exp(-theta * u) - theta * std::exp(-beta * u)) / (beta - theta);
}

}  // namespace

double WaitTime::cdf(double t) const {
  if (t < 0) return 0;
  if (p_wait <= 0 || mean_when_waiting_s <= 0) return 1;
  return 1 - p_wait * std::exp(-t / mean_when_waiting_s);
}

double WaitTime::quantile(double p) const {
  if (p_wait <= 1 - p || mean_when_waiting_s <= 0) return 0;
  return mean_when_waiting_s * std::log(p_wait / (1 - p));
}

double erlang_c(double servers, double offered) {
  if (offered <= 0) return 0;
  if (offered >= servers) return 1;
  // Erlang B as a ratio of Poisson(offered) terms, continuous in `servers` through the
  // incomplete gamma function: B = P(N = c) / P(N <= c).
  const double pmf = boost::math::gamma_p_derivative(servers + 1, offered);
  const double cdf = boost::math::gamma_q(servers + 1, offered);
  const double b = cdf > 0 ? std::min(1.0, pmf / cdf) : 1.0;
  const double rho = offered / servers;
  return b / (1 - rho * (1 - b));
}

double peakedness(const QueueLoad& load) {
  const double ca2 = load.arrival_cv * load.arrival_cv;
  const double cs = std::clamp(load.service_cv, 0.0, 1.0);
  // Smoother than Poisson arrivals (ca < 1) lower it; kept above zero so that servers / z
  // stays finite (a D/D/c queue below saturation never waits either way).
  return std::max(kLeastPeakedness, 1 + (ca2 - 1) * (1 - cs / 2));
}

WaitTime wait_time(const QueueLoad& load) {
  const double offered = load.arrival_rate * load.service_s;
  if (offered <= 0) return {};
  const double spare_rate = load.servers / load.service_s - load.arrival_rate;
  if (spare_rate <= 0) return {1, std::numeric_limits<double>::infinity()};
  const double variability =
      (load.arrival_cv * load.arrival_cv + load.service_cv * load.service_cv) / 2;
  // Hayward: a stream of peakedness z on c slots delays like a Poisson stream on c / z slots
  // at the same utilization. Bursty arrivals (z > 1) wait more often than Erlang C says.
  const double z = peakedness(load);
  return {erlang_c(load.servers / z, offered / z), variability / spare_rate};
}

double response_time_mean(const QueueLoad& load) {
  return load.service_s + wait_time(load).mean_s();
}

double response_time_cdf(const QueueLoad& load, double t) {
  const double cs = std::clamp(load.service_cv, 0.0, 1.0);
  const double u = t - load.service_s * (1 - cs);
  if (u < 0) return 0;
  const WaitTime wait = wait_time(load);
  if (cs == 0) return wait.cdf(u);
  const double beta = 1 / (load.service_s * cs);
  const double served_at_once = 1 - std::exp(-beta * u);
  if (wait.p_wait <= 0) return served_at_once;
  if (!std::isfinite(wait.mean_when_waiting_s)) return (1 - wait.p_wait) * served_at_once;
  const double theta = 1 / wait.mean_when_waiting_s;
  return (1 - wait.p_wait) * served_at_once + wait.p_wait * sum_of_exponentials_cdf(theta, beta, u);
}

double response_time_quantile(const QueueLoad& load, double p) {
  const double cs = std::clamp(load.service_cv, 0.0, 1.0);
  return invert([&](double t) { return response_time_cdf(load, t); }, load.service_s * (1 - cs),
                load.service_s, p);
}

}  // namespace gpufleet
