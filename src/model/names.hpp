#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpufleet {

// Names a user types (GPU models, policies, subcommands) compared without regard to case.
bool same_name(std::string_view a, std::string_view b);

// The known name closest to `typed` (edit distance, case ignored), if it is close enough to be
// a plausible misspelling: at most a third of the longer name's letters differ. Empty if none.
std::string closest_name(std::string_view typed, const std::vector<std::string>& known);

// " (did you mean 'run'?)" for an error message, or "" when nothing is close.
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& known);

}  // namespace gpufleet
