#pragma once

namespace gpufleet {

// SimGrid settings every gpufleet engine runs with (and bench's SimGrid floor, so that the two
// compare like for like). Call right after creating the engine, before loading a platform.
void configure_engine();

}  // namespace gpufleet
