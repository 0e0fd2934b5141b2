#pragma once

#include <string>

namespace gpufleet {

// The release (CMake's project version) and the git commit the binary was built from
// ("unknown" outside a git checkout; "-dirty" when it had uncommitted changes). Written at
// build time by cmake/version.cmake.
const char* gpufleet_version();
const char* gpufleet_commit();

}  // namespace gpufleet
