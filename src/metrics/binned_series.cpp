#include "metrics/binned_series.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gpufleet {

namespace {

// Most bins a series may have; the CLI's own bound is far lower (run's --interval).
constexpr double kMaxBins = 100'000'000;

// The bin count, checked as a double: a tiny interval makes it too large for an int
// (undefined behaviour, found by UBSan).
int bin_count(double horizon_s, double interval_s) {
  const double bins = std::ceil(horizon_s / interval_s - 1e-9);
  if (!(bins <= kMaxBins))
    throw std::invalid_argument("a time-series bin of " + std::to_string(interval_s) +
                                " s makes more than 100000000 bins over the horizon: use a "
                                "longer bin");
  return std::max(1, static_cast<int>(bins));
}

}  // namespace

BinnedSeries::BinnedSeries(int series, double horizon_s, double interval_s)
    : series_(series),
      horizon_s_(horizon_s),
      interval_s_(interval_s),
      bins_(bin_count(horizon_s, interval_s)),
      values_(static_cast<size_t>(series) * bins_, 0.0) {}

double BinnedSeries::bin_length(int bin) const {
  return std::min(interval_s_, horizon_s_ - bin_start(bin));
}

void BinnedSeries::add(int series, double t0, double t1, double rate) {
  t0 = std::max(0.0, t0);
  t1 = std::min(horizon_s_, t1);
  if (!(t1 > t0) || rate == 0) return;
  // As a double first: t0 / interval_s may exceed an int when t0 lies past the last bin.
  const int first = static_cast<int>(std::min<double>(bins_ - 1, t0 / interval_s_));
  for (int bin = first; bin < bins_ && bin_start(bin) < t1; ++bin) {
    const double overlap =
        std::min(t1, bin_start(bin) + bin_length(bin)) - std::max(t0, bin_start(bin));
    if (overlap > 0) values_[index(series, bin)] += rate * overlap;
  }
}

double BinnedSeries::total(int series) const {
  double sum = 0;
  for (int bin = 0; bin < bins_; ++bin) sum += integral(series, bin);
  return sum;
}

}  // namespace gpufleet
