#pragma once

#include <string>

namespace gpufleet {

// The longest time any input may name: ten years (3660 days, scenario.hpp's kMaxDays). It
// bounds durations, timestamps and horizons, so that no figure overflows the simulated clock
// or a count of steps; longer runs are no planning question.
constexpr double kMaxSeconds = 3660.0 * 86400;

// "90s", "45m", "12h", "30d", "2w", or a bare number of days, at most kMaxSeconds. Throws
// std::invalid_argument.
double parse_duration_s(const std::string& text);

}  // namespace gpufleet
