#include "sim/replica_power.hpp"

#include <simgrid/plugins/energy.h>

#include <iomanip>
#include <limits>
#include <simgrid/s4u.hpp>
#include <sstream>

namespace gpufleet {

namespace s4u = simgrid::s4u;

struct ServingPower::Pool {
  s4u::Host* host = nullptr;
  double gpus = 0;
  BusyGpus running;
  s4u::ExecPtr whole;  // `running.whole` GPUs at full speed, or null
  s4u::ExecPtr part;   // one GPU at `running.part` of its speed, or null
};

namespace {

std::string watts(double w) {
  std::ostringstream out;
  out << std::setprecision(17) << w;
  return out.str();
}

// An execution that never ends on its own: it is cancelled when the load changes.
s4u::ExecPtr run_forever(s4u::Host* host, int threads, double bound) {
  auto exec = s4u::Exec::init()
                  ->set_host(host)
                  ->set_flops_amount(std::numeric_limits<double>::max() / 1e6)
                  ->set_thread_count(threads);
  if (bound > 0) exec->set_bound(bound);
  return exec->start();
}

}  // namespace

ServingPower::ServingPower(const LoadedPlatform& platform) {
  const Fleet& fleet = platform.fleet;
  s4u::NetZone* zone = s4u::create_empty_zone("gpufleet-serving");
  zone->set_parent(s4u::Engine::get_instance()->get_netzone_root());
  for (const auto& pool : fleet.pools) {
    s4u::Host* domain = platform.hosts[pool.first_domain];
    // The platform's power figures, not the catalog's: wattage_per_state is the one source.
    const double dynamic_w_per_gpu =
        sg_host_get_power_range_slope_at(domain, domain->get_pstate()) / domain->get_core_count();
    s4u::Host* host = zone->create_host(pool.name + "-serving", domain->get_speed());
    host->set_core_count(pool.gpus());
    host->set_property("wattage_per_state", "0:0:" + watts(dynamic_w_per_gpu * pool.gpus()));
    host->set_property("wattage_off", "0");
    pools_.push_back({host, static_cast<double>(pool.gpus()), {}, nullptr, nullptr});
  }
  zone->seal();
}

ServingPower::~ServingPower() = default;

void ServingPower::set_busy(int pool, double busy_gpus) {
  Pool& p = pools_[pool];
  const BusyGpus busy = split_busy(std::min(busy_gpus, p.gpus));
  if (busy.whole != p.running.whole) {
    if (p.whole) p.whole->cancel();
    p.whole = busy.whole > 0 ? run_forever(p.host, busy.whole, 0) : nullptr;
  }
  if (busy.part != p.running.part) {
    if (p.part) p.part->cancel();
    p.part = busy.part > 0 ? run_forever(p.host, 1, busy.part * p.host->get_speed()) : nullptr;
  }
  p.running = busy;
}

double ServingPower::consumed_j(int pool) const {
  return sg_host_get_consumed_energy(pools_[pool].host);
}

void ServingPower::stop() {
  for (auto& p : pools_) {
    if (p.whole) p.whole->cancel();
    if (p.part) p.part->cancel();
    p.whole = p.part = nullptr;
  }
}

}  // namespace gpufleet
