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

// `text` fit to quote in a one-line error message: control characters and bytes that are not
// UTF-8 become \xNN, and past `limit` bytes it is cut with "...". Input echoed back must not
// break the one-line error or the JSON it may end up in.
std::string printable(std::string_view text, size_t limit = 80);

// Whether `text` is valid UTF-8 (what JSON output requires of every string).
bool valid_utf8(std::string_view text);

}  // namespace gpufleet
