#pragma once

#include <string>

namespace gpufleet {

// A small text file the program wrote itself (a child's stderr, a marker, an exit code):
// its content, or "" when it cannot be read.
std::string read_text_or_empty(const std::string& path);

// The last non-empty line of such a file ("" if none): what a failed child said last.
std::string last_line_of(const std::string& path);

}  // namespace gpufleet
