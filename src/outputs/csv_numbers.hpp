#pragma once

#include <charconv>
#include <string>

namespace gpufleet {

// printf's "%.<precision>f", byte for byte: std::to_chars with a precision is specified as
// printf in the "C" locale, and both print the exact decimal value correctly rounded. glibc's
// printf gets there by multi-precision arithmetic, a few thousand instructions a number: with a
// row per replica or job, 15% of a run's instructions went to formatting them (issue 31).
// Values of 1e55 and more, which snprintf into a 64-byte buffer cut short, are printed whole.
inline std::string csv_fixed(double x, int precision) {
  char buffer[400];  // DBL_MAX has 309 digits before the point
  const auto end =
      std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::fixed, precision).ptr;
  return std::string(buffer, end);
}

// printf's "%.<precision>e", byte for byte (the same specification: "e" style in the "C" locale,
// an exponent of at least two digits).
inline std::string csv_scientific(double x, int precision) {
  char buffer[128];  // -d.<precision digits>e+308: room for precisions below 100
  const auto end =
      std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific, precision)
          .ptr;
  return std::string(buffer, end);
}

// The field formats of the per-run CSV files (jobs.csv, replicas.csv): times to the
// millisecond, empty when not reached (negative); GPU-hours to six decimals; text quoted only
// when it must be.
inline std::string csv_seconds(double t) {
  if (t < 0) return "";
  return csv_fixed(t, 3);
}

inline std::string csv_hours(double h) {
  return csv_fixed(h, 6);
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
