#pragma once

#include <string>

namespace gpufleet {

// Stack of every actor but the controller, and the controller's (SimGrid 3.32 honours
// Actor::set_stacksize up to 3 MiB here; 4 MiB crashed in a test).
constexpr int kActorStackKiB = 64;
constexpr unsigned kControllerStackBytes = 2u << 20;

// SimGrid settings every gpufleet engine runs with (and bench's SimGrid floor, so that the two
// compare like for like). Call right after creating the engine, before loading a platform.
void configure_engine();

// The version of the SimGrid library loaded at run time ("3.32.0").
std::string simgrid_version();

}  // namespace gpufleet
