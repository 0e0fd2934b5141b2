#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "model/workload.hpp"

namespace gpufleet {

namespace {
long slot_of(const DemandCurve& curve, double t) {
  return static_cast<long>(std::floor(t / curve.interval_s + 1e-9));
}
}  // namespace

double DemandCurve::at(double t) const {
  if (values.empty() || t < 0) return 0;
  const long slot = slot_of(*this, t);
  const long n = static_cast<long>(values.size());
  if (repeat) return values[static_cast<size_t>(slot % n)];
  return slot < n ? values[static_cast<size_t>(slot)] : 0;
}

double DemandCurve::arrival_cv_at(double t) const {
  if (arrival_cv.empty() || t < 0) return 1;
  const long slot = slot_of(*this, t);
  const long n = static_cast<long>(arrival_cv.size());
  if (repeat) return arrival_cv[static_cast<size_t>(slot % n)];
  return slot < n ? arrival_cv[static_cast<size_t>(slot)] : 1;
}

double InferenceService::resolved_weights_bytes() const {
  return weights_bytes >= 0 ? weights_bytes : unit == "tokens" ? flops_per_unit : 0;
}

double InferenceService::cold_start_s() const {
  return startup_s + resolved_weights_bytes() / load_bytes_per_s;
}

double DemandCurve::peak() const {
  return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

double DemandCurve::max_over(double from, double to) const {
  if (values.empty()) return 0;
  // A whole period or more: the peak (a repeating curve comes back to it).
  if (repeat && to - from >= interval_s * static_cast<double>(values.size())) return peak();
  double highest = at(from);
  for (double t = next_change_after(from); t <= to; t = next_change_after(t))
    highest = std::max(highest, at(t));
  return highest;
}

double DemandCurve::mean() const {
  return values.empty() ? 0 : std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

double DemandCurve::next_change_after(double t) const {
  const long n = static_cast<long>(values.size());
  if (n == 0) return std::numeric_limits<double>::infinity();
  const long next = std::max(0L, slot_of(*this, t) + 1);
  if (!repeat && next > n) return std::numeric_limits<double>::infinity();
  return next * interval_s;
}

}  // namespace gpufleet
