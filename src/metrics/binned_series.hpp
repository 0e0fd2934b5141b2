#pragma once

#include <cstddef>
#include <vector>

namespace gpufleet {

// Integrals of piecewise-constant rates over fixed time bins of [0, horizon), for several
// series at once (pools, services, ...). Adding is O(bins overlapped), never O(bins).
class BinnedSeries {
 public:
  BinnedSeries(int series, double horizon_s, double interval_s);

  // Adds `rate` held constant over [t0, t1), clipped to the horizon.
  void add(int series, double t0, double t1, double rate);

  int series() const { return series_; }
  int bins() const { return bins_; }
  double interval_s() const { return interval_s_; }
  double horizon_s() const { return horizon_s_; }
  double bin_start(int bin) const { return bin * interval_s_; }
  double bin_length(int bin) const;
  double integral(int series, int bin) const { return values_[index(series, bin)]; }
  double mean(int series, int bin) const { return integral(series, bin) / bin_length(bin); }
  double total(int series) const;  // integral over the whole horizon

 private:
  size_t index(int series, int bin) const { return static_cast<size_t>(series) * bins_ + bin; }

  int series_;
  double horizon_s_;
  double interval_s_;
  int bins_;
  std::vector<double> values_;
};

}  // namespace gpufleet
