#include "sim/engine_config.hpp"

#include <xbt/log.h>

#include <simgrid/s4u/Engine.hpp>

namespace gpufleet {

void configure_engine() {
  // SimGrid's own logging would drown the report; errors still reach us as exceptions.
  xbt_log_control_set("root.thresh:critical");
  simgrid::s4u::Engine::set_config("contexts/factory:raw");
  simgrid::s4u::Engine::set_config("contexts/stack-size:128");
  // GPU fabrics are RDMA: no TCP window cap on flows, no LV08 bandwidth factor, and no TCP
  // acknowledgement traffic taking 5% of the reverse direction (measured: two opposite flows
  // took 1.05x bytes / bandwidth with it on).
  simgrid::s4u::Engine::set_config("network/model:CM02");
  simgrid::s4u::Engine::set_config("network/TCP-gamma:0");
  simgrid::s4u::Engine::set_config("network/crosstraffic:0");
}

}  // namespace gpufleet
