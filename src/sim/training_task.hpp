#pragma once

#include <functional>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Exec.hpp>
#include <simgrid/s4u/Host.hpp>
#include <vector>

namespace gpufleet {

// How far a running training job has got; read at the horizon for jobs still running.
struct TrainingProgress {
  int phases = 1;
  int phases_done = 0;
  int domains = 1;          // the ring has one comm per domain
  double ring_bytes = 0;    // each domain sends per phase
  bool exchanging = false;  // the current phase's computation is done, its all-reduce is not
  std::vector<simgrid::s4u::ExecPtr> execs;
  // Held here, not on the actor's stack: a job killed mid-exchange must not destroy comms
  // still in flight (SimGrid prints a backtrace for that). stop() cancels them once the
  // actor is dead, so that no waiting actor wakes up to a failure.
  std::vector<simgrid::s4u::CommPtr> ring;

  double fraction_done() const;
  // Whether the work left is none, or within rounding of none (a billionth of the last
  // phase): the job ends at this instant, whatever side of it SimGrid's rounding put its end.
  bool done_within_rounding() const;
  void stop();  // cancels the exchange in flight; call it after killing the actor
};

// How many compute/all-reduce rounds a job runs. Phases interleave a long job's gradient
// exchange with other jobs' traffic; each costs SimGrid activities, so a job inside one
// domain gets one, and a phase is never shorter than min_phase_s of compute: a fine-tune
// exchanges once, a pretraining run max_phases times (never more than its steps).
int training_phases(long steps, int domains, double compute_s, int max_phases, double min_phase_s);

// One training job on its NVLink domains. The work is split into phases; in each phase every
// domain computes its share (an exec of one thread per GPU), then, when the job spans several
// domains, the domains all-reduce their gradients in a ring over the fabric.
struct TrainingTask {
  std::vector<simgrid::s4u::Host*> hosts;
  std::vector<int> gpus_per_host;
  double flops_per_gpu_per_phase = 0;  // peak-equivalent: useful work / MFU
  double ring_bytes_per_phase = 0;     // sent by each domain to the next in each phase
  double startup_s = 0;                // GPUs held, nothing computed (a restart's reload)
  TrainingProgress* progress = nullptr;
  std::function<void()> on_done;

  void operator()() const;
};

}  // namespace gpufleet
