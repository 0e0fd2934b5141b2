#include "metrics/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gpufleet {

double nearest_rank(const std::vector<double>& sorted, double p) {
  const auto k = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<size_t>(k, 1, sorted.size()) - 1];
}

Distribution distribution_of(std::vector<double> values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  d.count = static_cast<long>(values.size());
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  d.p50 = nearest_rank(values, 50);
  d.p95 = nearest_rank(values, 95);
  d.p99 = nearest_rank(values, 99);
  d.max = values.back();
  return d;
}

nlohmann::json to_json(const Distribution& d) {
  return {{"count", d.count}, {"mean", d.mean}, {"p50", d.p50},
          {"p95", d.p95},     {"p99", d.p99},   {"max", d.max}};
}

double t975(long df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return 0;
  if (df <= 30) return table[df - 1];
  // Cornish-Fisher expansion around the normal quantile z = 1.959964.
  const double z = 1.959964, d = static_cast<double>(df);
  return z + (z * z * z + z) / (4 * d) +
         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

MeanInterval mean_ci95(const std::vector<double>& values) {
  MeanInterval m;
  m.n = static_cast<long>(values.size());
  if (m.n == 0) return m;
  double sum = 0;
  for (double v : values) sum += v;
  m.mean = sum / m.n;
  m.low = m.high = m.mean;
  if (m.n < 2) return m;
  double squares = 0;
  for (double v : values) squares += (v - m.mean) * (v - m.mean);
  const double half = t975(m.n - 1) * std::sqrt(squares / (m.n - 1)) / std::sqrt(double(m.n));
  m.low = m.mean - half;
  m.high = m.mean + half;
  return m;
}

}  // namespace gpufleet
