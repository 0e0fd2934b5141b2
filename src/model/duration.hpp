#pragma once

#include <string>

namespace gpufleet {

// "90s", "45m", "12h", "30d", "2w", or a bare number of days. Throws std::invalid_argument.
double parse_duration_s(const std::string& text);

}  // namespace gpufleet
