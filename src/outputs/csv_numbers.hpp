#pragma once

#include <cstdio>
#include <string>

namespace gpufleet {

// The number formats of the per-run CSV files (jobs.csv, replicas.csv): times to the
// millisecond, empty when not reached (negative); GPU-hours to six decimals.
inline std::string csv_seconds(double t) {
  if (t < 0) return "";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3f", t);
  return buffer;
}

inline std::string csv_hours(double h) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6f", h);
  return buffer;
}

}  // namespace gpufleet
