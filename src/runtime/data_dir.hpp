#pragma once

#include <optional>
#include <string>

namespace gpufleet {

// The folder of the files gpufleet ships (platforms/, workloads/, schemas/), found without any
// path compiled in, in this order: $GPUFLEET_DATA; ../share/gpufleet beside the executable (an
// install: bin/gpufleet); share/gpufleet beside it (a build tree, where CMake links the source
// tree's folders). nullopt when none holds platforms/.
std::optional<std::string> data_dir();

// A shipped file named relative to the data folder ("platforms/seed.xml"): the path itself when
// it exists from the working directory, else the data folder's copy if that exists, else the
// path as given (so that an error names the file the user typed).
std::string shipped_file(const std::string& relative);

}  // namespace gpufleet
