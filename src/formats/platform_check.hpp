#pragma once

#include <string>

namespace gpufleet {

// Checks a SimGrid platform file for the values SimGrid 3.32 meets with an abort (xbt_assert,
// SIGABRT) instead of an exception, before SimGrid reads it: hosts and clusters whose core
// count is not plain digits of at least 1 ("-5Bps": SimGrid reads -5), a host pstate that is
// not one of its speeds, a speed that is not positive, a fat tree whose radical does not give it
// its hosts, a wattage_per_state that is not one Idle:Epsilon:AllCores triple per speed, a host
// without wattage_per_state (the energy plugin aborts at the horizon), and model settings in
// <config> that SimGrid does not know. Throws InputError naming the file, the line, the
// element's id, the attribute and the fix. Anything else malformed is left to SimGrid's own
// parser, which throws.
void check_platform_xml(const std::string& text, const std::string& file);

// The same on a file's content; an unreadable file is left to SimGrid.
void check_platform_file(const std::string& file);

}  // namespace gpufleet
