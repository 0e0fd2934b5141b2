#include "sim/training_task.hpp"

#include <algorithm>
#include <cmath>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>

namespace gpufleet {

int training_phases(long steps, int domains, double compute_s, int max_phases, double min_phase_s) {
  if (domains == 1) return 1;
  const double by_time = std::floor(compute_s / min_phase_s);
  const double cap = static_cast<double>(std::min<long>(steps, max_phases));
  return static_cast<int>(std::clamp(by_time, 1.0, std::max(cap, 1.0)));
}

double TrainingProgress::fraction_done() const {
  // Read before the queries below: each is a simcall, during which the job's own actor may
  // run on, finish its phase and drop its references to the execs. The copy keeps them alive
  // (without it valgrind showed reads of freed execs, and with jemalloc a replay run crashed).
  const int phases_before = phases_done;
  const bool exchanging_before = exchanging;
  const std::vector<simgrid::s4u::ExecPtr> held = execs;
  double phase_part = 0;
  if (exchanging_before) {
    phase_part = 1;
  } else if (!held.empty()) {
    // The slowest domain sets the pace of a gang.
    double remaining = 0;
    for (const auto& exec : held) remaining = std::max(remaining, exec->get_remaining_ratio());
    phase_part = 1 - remaining;
  }
  return std::min(1.0, (phases_before + phase_part) / phases);
}

bool TrainingProgress::done_within_rounding() const {
  // A billionth: well above SimGrid's rounding of an activity's end (its default precision
  // is 1e-9 of a flop or byte per unit of rate), far below any work a user means.
  constexpr double kRounding = 1e-9;
  if (phases_done >= phases) return true;
  if (phases_done < phases - 1) return false;
  // Copies, as in fraction_done: each query is a simcall during which the actor may move on.
  const bool exchanging_before = exchanging;
  const std::vector<simgrid::s4u::ExecPtr> held = execs;
  const std::vector<simgrid::s4u::CommPtr> comms = ring;
  if (exchanging_before) {
    // Starting the ring's comms takes a simcall each: until all are started, the last
    // exchange is still to come (a job whose compute ends at its walltime is not done).
    if (comms.size() < static_cast<size_t>(domains)) return false;
    for (const auto& comm : comms)
      if (!(comm->get_remaining() <= kRounding * ring_bytes)) return false;
    return true;
  }
  if (held.empty()) return false;  // restarting: nothing computed yet
  for (const auto& exec : held)
    if (!(exec->get_remaining_ratio() <= kRounding)) return false;  // NaN: endless work
  return held.size() == 1 || ring_bytes <= 0;  // else the last exchange is still to come
}

void TrainingProgress::stop() {
  for (const auto& comm : ring)
    if (comm->get_state() == simgrid::s4u::Activity::State::STARTED) comm->cancel();
  ring.clear();
}

void TrainingTask::operator()() const {
  namespace s4u = simgrid::s4u;
  if (startup_s > 0) s4u::this_actor::sleep_for(startup_s);
  const size_t domains = hosts.size();
  for (int phase = 0; phase < progress->phases; ++phase) {
    progress->execs.clear();
    for (size_t i = 0; i < domains; ++i)
      progress->execs.push_back(s4u::Exec::init()
                                    ->set_host(hosts[i])
                                    ->set_flops_amount(flops_per_gpu_per_phase)
                                    ->set_thread_count(gpus_per_host[i])
                                    ->start());
    for (const auto& exec : progress->execs) exec->wait();
    progress->execs.clear();
    if (domains > 1 && ring_bytes_per_phase > 0) {
      progress->exchanging = true;
      auto& ring = progress->ring;
      ring.clear();
      for (size_t i = 0; i < domains; ++i)
        ring.push_back(s4u::Comm::sendto_async(hosts[i], hosts[(i + 1) % domains],
                                               static_cast<uint64_t>(ring_bytes_per_phase)));
      for (const auto& comm : ring) comm->wait();
      ring.clear();
      progress->exchanging = false;
    }
    ++progress->phases_done;
  }
  on_done();
}

}  // namespace gpufleet
