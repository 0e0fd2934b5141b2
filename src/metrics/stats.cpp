#include "metrics/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gpufleet {

Distribution distribution_of(std::vector<double> values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  const auto rank = [&](double p) {
    const auto k = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
    return values[std::clamp<size_t>(k, 1, values.size()) - 1];
  };
  d.count = static_cast<long>(values.size());
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  d.p50 = rank(50);
  d.p95 = rank(95);
  d.p99 = rank(99);
  d.max = values.back();
  return d;
}

nlohmann::json to_json(const Distribution& d) {
  return {{"count", d.count}, {"mean", d.mean}, {"p50", d.p50},
          {"p95", d.p95},     {"p99", d.p99},   {"max", d.max}};
}

}  // namespace gpufleet
