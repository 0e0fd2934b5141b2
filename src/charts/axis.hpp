#pragma once

#include <string>
#include <vector>

namespace gpufleet::report {

// Round tick positions ("nice numbers": steps of 1, 2 or 5 x 10^k) covering [lo, hi].
struct Ticks {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> values;
};
Ticks nice_ticks(double lo, double hi, int target_count = 5);

// A tick label: thousands as k, millions as M, billions as G, enough decimals for the step.
// `magnitude` (the axis' largest value) picks the unit, so that one axis uses one unit.
std::string tick_label(double value, double step, double magnitude = 0);

// A linear map from data [d0, d1] to pixels [p0, p1].
struct Scale {
  double d0, d1, p0, p1;
  double operator()(double v) const {
    return d1 == d0 ? p0 : p0 + (v - d0) * (p1 - p0) / (d1 - d0);
  }
};

}  // namespace gpufleet::report
