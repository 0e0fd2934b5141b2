#include "model/duration.hpp"

#include <cmath>
#include <stdexcept>

#include "model/names.hpp"

namespace gpufleet {

double parse_duration_s(const std::string& text) {
  const std::string fix = "'" + printable(text) +
                          "' is not a duration: write e.g. 3600s, 90m, 12h, 30d, 2w or 30 (days)";
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument(fix);
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "d")
    scale = 86400;
  else if (unit == "s")
    scale = 1;
  else if (unit == "m")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else if (unit == "w")
    scale = 7 * 86400;
  if (scale == 0 || !std::isfinite(value)) throw std::invalid_argument(fix);
  if (value <= 0)
    throw std::invalid_argument("duration '" + printable(text) + "' must be positive");
  // Checked after the unit: 1e308 is finite, 1e308 days are not.
  if (!(value * scale <= kMaxSeconds))
    throw std::invalid_argument("duration '" + printable(text) +
                                "' is longer than ten years (3660d), the longest gpufleet models");
  return value * scale;
}

}  // namespace gpufleet
