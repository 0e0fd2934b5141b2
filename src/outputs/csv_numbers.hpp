#pragma once

#include <cstdio>
#include <string>

namespace gpufleet {

// The field formats of the per-run CSV files (jobs.csv, replicas.csv): times to the
// millisecond, empty when not reached (negative); GPU-hours to six decimals; text quoted only
// when it must be.
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

// Text as one CSV field (RFC 4180): in double quotes, its quotes doubled, when it holds a comma,
// a quote or a line break (a user or job name may); as it is otherwise, so that plain names
// keep their bytes.
inline std::string csv_text(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace gpufleet
