#include "sim/engine_config.hpp"

#include <xbt/log.h>

#include <simgrid/s4u/Engine.hpp>
#include <string>

// Last: simgrid/version.h uses xbt's macros without including their header.
#include <simgrid/version.h>

namespace gpufleet {

void configure_engine() {
  // SimGrid's own logging would drown the report; errors still reach us as exceptions.
  xbt_log_control_set("root.thresh:critical");
  simgrid::s4u::Engine::set_config("contexts/factory:raw");
  // Every running training job is an actor, a million of them in a year of a large fleet.
  // Each actor's stack is zeroed when it is made, and a guard page costs two mprotect calls:
  // 128 KiB stacks with guards took 23% of a run (measured, bench/floor.sh). The job actors
  // use a few KiB; the controller, which runs the policies, asks for kControllerStackBytes.
  simgrid::s4u::Engine::set_config("contexts/stack-size:" + std::to_string(kActorStackKiB));
  simgrid::s4u::Engine::set_config("contexts/guard-size:0");
  // GPU fabrics are RDMA: no TCP window cap on flows, no LV08 bandwidth factor, and no TCP
  // acknowledgement traffic taking 5% of the reverse direction (measured: two opposite flows
  // took 1.05x bytes / bandwidth with it on).
  simgrid::s4u::Engine::set_config("network/model:CM02");
  simgrid::s4u::Engine::set_config("network/TCP-gamma:0");
  simgrid::s4u::Engine::set_config("network/crosstraffic:0");
}

std::string simgrid_version() {
  int major = 0, minor = 0, patch = 0;
  sg_version_get(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace gpufleet
