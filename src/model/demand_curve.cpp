#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "model/gpu_catalog.hpp"
#include "model/workload.hpp"

namespace gpufleet {

namespace {
long slot_of(const DemandCurve& curve, double t) {
  return static_cast<long>(std::floor(t / curve.interval_s + 1e-9));
}

// The step of `steps` (one per value) holding t; `otherwise` before the first step, after the
// last one of a curve that does not repeat, or with no steps at all.
double step_at(const DemandCurve& curve, const std::vector<double>& steps, double t,
               double otherwise) {
  if (steps.empty() || t < 0) return otherwise;
  const long slot = slot_of(curve, t);
  const long n = static_cast<long>(steps.size());
  if (curve.repeat) return steps[static_cast<size_t>(slot % n)];
  return slot < n ? steps[static_cast<size_t>(slot)] : otherwise;
}

}  // namespace

double DemandCurve::at(double t) const {
  return step_at(*this, values, t, 0);
}

double DemandCurve::arrival_cv_at(double t) const {
  return step_at(*this, arrival_cv, t, 1);
}

double InferenceService::resolved_weights_bytes() const {
  if (weights_bytes >= 0) return weights_bytes;
  // A served model's weights at its serving precision; else BF16 (2 bytes per parameter, 2
  // FLOPs per parameter per token).
  if (serving) return serving->shape.params * serving->shape.weight_bytes;
  return unit == "tokens" ? flops_per_unit : 0;
}

double InferenceService::dtype_speedup_on(const std::string& gpu_model) const {
  return serving ? dtype_speedup(gpu_model, serving->shape.weight_bytes) : 1;
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
