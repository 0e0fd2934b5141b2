#include "charts/axis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gpufleet::report {

Ticks nice_ticks(double lo, double hi, int target_count) {
  if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : std::abs(lo));
  const double raw = (hi - lo) / std::max(target_count, 1);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * magnitude;
  Ticks t;
  t.step = step;
  t.lo = std::floor(lo / step + 1e-9) * step;
  t.hi = std::ceil(hi / step - 1e-9) * step;
  for (double v = t.lo; v <= t.hi + step * 1e-6; v += step)
    t.values.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

std::string tick_label(double value, double step, double magnitude) {
  struct Unit {
    double size;
    const char* suffix;
  };
  Unit unit{1, ""};
  for (const Unit u : {Unit{1e9, "G"}, Unit{1e6, "M"}, Unit{1e3, "k"}})
    if (std::max({std::abs(value), std::abs(magnitude), step}) >= u.size && step >= u.size / 10) {
      unit = u;
      break;
    }
  const double scaled_step = step / unit.size;
  const int decimals =
      scaled_step >= 1 ? 0
                       : std::min(6, static_cast<int>(std::ceil(-std::log10(scaled_step) - 1e-9)));
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f%s", decimals, value / unit.size, unit.suffix);
  return buffer;
}

}  // namespace gpufleet::report
