#include "sim/simulation.hpp"

#include <simgrid/plugins/energy.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <queue>
#include <simgrid/s4u.hpp>

#include "formats/platform_check.hpp"
#include "formats/temporary_file.hpp"
#include "metrics/recorder.hpp"
#include "model/input_error.hpp"
#include "scenario/rng.hpp"
#include "scheduler/scheduler_core.hpp"
#include "sim/engine_config.hpp"
#include "sim/platform_loader.hpp"
#include "sim/replica_power.hpp"
#include "sim/training_task.hpp"

namespace gpufleet {

namespace s4u = simgrid::s4u;

struct Simulation::State {
  std::unique_ptr<s4u::Engine> engine;
  LoadedPlatform platform;
  std::unique_ptr<ServingPower> serving;  // the replicas' load part of power, per pool
};

namespace {

enum class EventKind {
  kTrainingSubmit,
  kLeaseRequest,
  kLeaseEnd,
  kContractStart,
  kContractEnd,
  kDemandChange,
  kWakeUp,
  kFailure,   // index: the pool
  kRepair,    // index: into Controller::repairs_
  kWalltime,  // index: into Controller::walltimes_
};

// Failures get random streams of their own: turning them on changes no other draw. Each pool
// has its own, keyed by a stable hash of its name (FNV-1a), not its index: a pool that two
// fleets have in common fails at the same times, places and causes in both, whatever other
// pools were resized, added or removed (common random numbers for fleet comparisons).
constexpr std::uint64_t kFailureStream = 0xfa11;

std::uint64_t failure_stream(const std::string& pool_name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (const unsigned char c : pool_name) hash = (hash ^ c) * 0x100000001b3ULL;
  return kFailureStream ^ hash;
}

std::vector<Rng> failure_streams(const Fleet& fleet, unsigned long seed) {
  std::vector<Rng> streams;
  for (const auto& pool : fleet.pools) streams.emplace_back(seed, failure_stream(pool.name));
  return streams;
}

struct TimedEvent {
  double time;
  long seq;  // ties broken in insertion order: deterministic
  EventKind kind;
  int index;
  bool operator>(const TimedEvent& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

// The scheduler actor: turns timed events and job completions into calls to the scheduler
// core and carries out the core's actions as SimGrid activities.
class Controller {
 public:
  Controller(const LoadedPlatform& platform, ServingPower& serving, const Workload& workload,
             Policy& policy, const SimulationOptions& options)
      : platform_(platform),
        serving_(serving),
        workload_(workload),
        options_(options),
        core_(platform.fleet, workload, policy, options.placement, options.planning),
        recorder_(platform.fleet, workload, options.horizon_s, options.interval_s,
                  options.assumptions),
        runs_(workload.training.size()),
        gpus_per_unit_(gpus_per_unit(platform.fleet, workload)),
        busy_(platform.fleet.pools.size(), 0.0),
        lease_execs_(workload.leases.size()),
        contract_execs_(workload.contracts.size()),
        reclaimed_(workload.leases.size(), false),
        wakeup_(s4u::Semaphore::create(0)),
        failure_rngs_(failure_streams(platform.fleet, options.seed)) {
    core_.set_decision_log(options.decisions);
    for (size_t j = 0; j < workload.training.size(); ++j)
      push(workload.training[j].submit_s, EventKind::kTrainingSubmit, static_cast<int>(j));
    for (size_t l = 0; l < workload.leases.size(); ++l)
      push(workload.leases[l].start_s, EventKind::kLeaseRequest, static_cast<int>(l));
    for (size_t c = 0; c < workload.contracts.size(); ++c) {
      push(workload.contracts[c].start_s, EventKind::kContractStart, static_cast<int>(c));
      push(workload.contracts[c].end_s(), EventKind::kContractEnd, static_cast<int>(c));
    }
    for (size_t s = 0; s < workload.inference.size(); ++s)
      push(0, EventKind::kDemandChange, static_cast<int>(s));
    if (options.failures.enabled)
      for (size_t p = 0; p < platform.fleet.pools.size(); ++p)
        schedule_failure(static_cast<int>(p), 0);
  }

  void operator()() {
    // An exception from the policy (a Python policy's, src/python/) ends the run: SimGrid aborts
    // the process when one leaves an actor, so it is kept for Simulation::run to rethrow once
    // the other actors are gone. SimGrid's own ForcefulKillException (not a std::exception)
    // must pass.
    try {
      run_to_horizon();
    } catch (const std::exception&) {
      failure_ = std::current_exception();
      s4u::Actor::kill_all();
    }
  }

  std::exception_ptr failure() const { return failure_; }

  RunResult take_result() { return std::move(result_); }

 private:
  void run_to_horizon() {
    const double horizon = options_.horizon_s;
    while (true) {
      // Jobs whose work ends at this instant report before the scheduler looks: a job released
      // at t frees its GPUs for the jobs started at t (ends first, as batch schedulers do).
      s4u::this_actor::yield();
      const double now = s4u::Engine::get_clock();
      step(now);
      if (options_.on_progress) options_.on_progress(now);
      const double next = events_.empty() ? horizon : std::min(horizon, events_.top().time);
      if (now >= horizon) break;
      if (completed_.empty()) wakeup_->acquire_timeout(next - now);
    }
    finish(horizon);
  }

  struct TrainingRunState {
    double saved_flops = 0;  // useful work checkpointed by earlier runs
    double work_flops = 0;   // work the current run set out to do
    double start_s = 0;
    double run_restart_s = 0;  // the restart delay the current run owed
    bool run_restart_after_failure = false;
    double restart_delay_s = 0;          // owed by the next run, set by a preemption or failure
    bool restart_after_failure = false;  // what set restart_delay_s
    double checkpoint_period_s = 3600;   // running time from one checkpoint to the next
    double compute_stretch = 1;          // (interval + write time) / interval; 1: free
    s4u::ActorPtr actor;
    TrainingProgress progress;  // the actor writes it; never moved while a run is on
    long runs = 0;              // runs started: a walltime check names the run it is for
  };

  void push(double time, EventKind kind, int index) { events_.push({time, seq_++, kind, index}); }

  void step(double now) {
    core_.set_time(now);
    recorder_.inference_until(now, core_);
    recorder_.state_until(now, core_);
    events_handled_ += static_cast<long>(completed_.size());
    for (int job : std::exchange(completed_, {})) {
      core_.training_finished(job);
      recorder_.training_ended(job, now, runs_[job].work_flops, true,
                               run_time(runs_[job], now, false));
      // A finished actor's stack is freed only when the last reference to it goes.
      runs_[job].actor = nullptr;
    }
    // A small tolerance: the semaphore's timeout lands within rounding of the event time.
    while (!events_.empty() && events_.top().time <= now + 1e-9 &&
           events_.top().time < options_.horizon_s) {
      const TimedEvent e = events_.top();
      events_.pop();
      ++events_handled_;
      handle(e, now);
    }
    for (const Action& action : core_.schedule()) {
      recorder_.action_taken(action, now);
      std::visit([&](const auto& a) { carry_out(a, now); }, action);
    }
    follow_load();
    for (double t : core_.take_wakeups()) push(t, EventKind::kWakeUp, -1);
  }

  void handle(const TimedEvent& e, double now) {
    switch (e.kind) {
      case EventKind::kTrainingSubmit:
        core_.training_submitted(e.index);
        recorder_.training_submitted(e.index, now);
        break;
      case EventKind::kLeaseRequest:
        core_.lease_requested(e.index);
        break;
      case EventKind::kLeaseEnd:
        if (reclaimed_[e.index]) break;  // ended early; its GPUs are already back
        for (auto& exec : lease_execs_[e.index]) exec->cancel();
        lease_execs_[e.index].clear();
        core_.lease_ended(e.index);
        recorder_.lease_ended(e.index, now);
        break;
      case EventKind::kContractStart:
        core_.contract_started(e.index);
        break;
      case EventKind::kContractEnd:
        core_.contract_ended(e.index);
        break;
      case EventKind::kDemandChange: {
        const auto& curve = workload_.inference[e.index].demand;
        core_.demand_changed(e.index, curve.at(now));
        const double next = curve.next_change_after(now);
        if (std::isfinite(next)) push(next, EventKind::kDemandChange, e.index);
        break;
      }
      case EventKind::kWakeUp:  // the policy asked to look again; schedule() follows
        break;
      case EventKind::kFailure:
        fail(e.index, now);
        schedule_failure(e.index, now);
        break;
      case EventKind::kRepair:
        core_.bring_up(repairs_[e.index].domain, repairs_[e.index].gpus);
        break;
      case EventKind::kWalltime:
        reach_walltime(walltimes_[e.index]);
        break;
    }
  }

  // A run still going at its walltime is killed (Slurm's TIMEOUT), unless its work is done
  // within rounding: then it completes at this instant. A check for an earlier run of the job
  // (since preempted, interrupted or ended) does nothing.
  struct WalltimeCheck {
    int job;
    long run;
  };
  void reach_walltime(const WalltimeCheck& check) {
    const auto& run = runs_[check.job];
    if (run.runs != check.run || !run.actor || run.progress.done_within_rounding()) return;
    const DecisionScope why(core_, DecisionPart::kCore, DecisionReason::kWalltime);
    core_.kill_training(check.job);
  }

  // Failures of a pool's GPUs form a Poisson process (rate: GPUs x failures per GPU-day).
  void schedule_failure(int pool, double now) {
    const double per_s =
        options_.failures.failures_per_gpu_day / 86400 * platform_.fleet.pools[pool].gpus();
    if (per_s > 0)
      push(now + failure_rngs_[pool].exponential(1 / per_s), EventKind::kFailure, pool);
  }

  int draw_cause(Rng& rng) {
    const auto& causes = options_.failures.causes;
    double u = rng.uniform();
    for (size_t c = 0; c + 1 < causes.size(); ++c) {
      if (u < causes[c].share) return static_cast<int>(c);
      u -= causes[c].share;
    }
    return static_cast<int>(causes.size()) - 1;
  }

  // One failure: a GPU drawn uniformly in the pool, a cause drawn by its share. The jobs and
  // replicas holding the GPUs the cause takes down stop; those GPUs that end up free are out of
  // service for the repair time. Leased GPUs are the provider's to swap under the contract: the
  // lease goes on, and the hit is counted.
  void fail(int pool_index, double now) {
    const Pool& pool = platform_.fleet.pools[pool_index];
    Rng& rng = failure_rngs_[pool_index];
    const int domain = pool.first_domain + static_cast<int>(rng.uniform() * pool.domain_count);
    const int gpu = static_cast<int>(rng.uniform() * pool.gpus_per_domain);
    const int cause_index = draw_cause(rng);
    const FailureCause& cause = options_.failures.causes[cause_index];
    const int width = std::max(1, gpus_taken_down(cause.scope, pool.gpus_per_domain));
    const int first = gpu / width * width, last = std::min(first + width, pool.gpus_per_domain);
    FailureEvent event{now, pool_index, cause_index, 0, 0, 0, 0, domain, gpu};
    int offset = 0, leased = 0;
    for (const auto& holder : core_.holders_of(domain)) {
      const int lo = std::max(first, offset), hi = std::min(last, offset + holder.gpus);
      offset += holder.gpus;
      if (lo >= hi) continue;
      if (holder.kind == SchedulerCore::Holder::kTraining) {
        core_.interrupt_training(holder.id, options_.failures.restart_s);
        ++event.jobs_hit;
      } else if (holder.kind == SchedulerCore::Holder::kReplica) {
        core_.remove_replica(holder.id, ReplicaStop::kFailure);
        ++event.replicas_hit;
      } else {
        leased += hi - lo;
      }
    }
    event.lease_gpus_hit = leased;
    if (cause.scope != FailureScope::kJob && cause.repair_h > 0) {
      event.gpus_down = std::min(last - first - leased, core_.free_per_domain()[domain]);
      if (event.gpus_down > 0) {
        core_.take_down(domain, event.gpus_down);
        repairs_.push_back({domain, event.gpus_down});
        push(now + cause.repair_h * 3600, EventKind::kRepair,
             static_cast<int>(repairs_.size()) - 1);
      }
    }
    recorder_.failure(event);
  }

  // GPUs held for a tenant (leases, contracts) run a busy exec for as long as they are held, so
  // the energy plugin sees them loaded: the operator cannot see a tenant's load.
  s4u::ExecPtr hold(int domain, int gpus) {
    return s4u::Exec::init()
        ->set_host(platform_.hosts[domain])
        ->set_flops_amount(std::numeric_limits<double>::max() / 1e6)
        ->set_thread_count(gpus)
        ->start();
  }

  void carry_out(const StartTraining& a, double now) {
    const auto& job = workload_.training[a.job];
    const double mfu = job.generations[a.generation].mfu;
    auto& run = runs_[a.job];
    run.start_s = now;
    run.run_restart_s = run.restart_delay_s;
    run.run_restart_after_failure = run.restart_after_failure;
    // Every run has the whole limit, from its start (a requeued Slurm job's elapsed time starts
    // again), its restart delay included; on an older generation, the limit stretched for it.
    ++run.runs;
    if (options_.kill_at_walltime && job.walltime_s > 0) {
      walltimes_.push_back({a.job, run.runs});
      const int pool = platform_.fleet.domains[a.placement.parts.front().domain].pool;
      push(now + core_.run_limit_s(a.job, pool), EventKind::kWalltime,
           static_cast<int>(walltimes_.size()) - 1);
    }
    run.work_flops = job.work_flops - run.saved_flops;
    const double share = run.work_flops / job.work_flops;  // of the job's work left to do
    auto& progress = run.progress;
    progress = TrainingProgress{};
    const double compute_s = run.work_flops / job.gpus / mfu /
                             platform_.hosts[a.placement.parts.front().domain]->get_speed();
    progress.domains = a.placement.domains();
    progress.phases = training_phases(job.steps, progress.domains, compute_s, options_.max_phases,
                                      options_.min_phase_s);
    TrainingTask task;
    for (const auto& part : a.placement.parts) {
      task.hosts.push_back(platform_.hosts[part.domain]);
      task.gpus_per_host.push_back(part.gpus);
    }
    set_checkpoints(run, job);
    task.flops_per_gpu_per_phase =
        run.work_flops / job.gpus / mfu / progress.phases * run.compute_stretch;
    const double k = static_cast<double>(a.placement.domains());
    // Ring all-reduce between domains: each sends 2(k-1)/k of the gradient per step.
    // Capped below 2^63: gradient_bytes x steps may exceed SimGrid's byte count, a uint64
    // (a double beyond it is undefined to cast), and 2^63 bytes already take 15 days on a
    // 7.2 TB/s NVL72 uplink.
    task.ring_bytes_per_phase = std::min(
        2 * (k - 1) / k * job.gradient_bytes * job.steps * share / progress.phases, 9.2e18);
    progress.ring_bytes = task.ring_bytes_per_phase;
    task.startup_s = std::exchange(run.restart_delay_s, 0.0);
    task.progress = &progress;
    task.on_done = [this, job_index = a.job] {
      completed_.push_back(job_index);
      wakeup_->release();
    };
    s4u::Host* first = task.hosts.front();
    run.actor = s4u::Actor::create(job.id, first, std::move(task));
  }

  // With failures on, a job checkpoints every interval T of compute and writing one takes C:
  // its compute stretches by (T + C) / T, and its checkpoints fall every T + C of running time.
  // With failures off, checkpoints are free, every checkpoint_interval_s.
  void set_checkpoints(TrainingRunState& run, const TrainingJob& job) const {
    const FailureModel& f = options_.failures;
    run.checkpoint_period_s = job.checkpoint_interval_s;
    run.compute_stretch = 1;
    if (!f.enabled) return;
    if (options_.young_daly_checkpoints && !std::isfinite(f.job_mtbf_s(job.gpus))) {
      // --failure-rate 0: Young/Daly's interval is infinite (its limit as the rate goes to 0):
      // the job never checkpoints, and a preemption loses its run's work. An infinite period
      // made the books 0 x inf: NaN GPU-hours of checkpoints.
      run.checkpoint_period_s = std::numeric_limits<double>::max();
      return;
    }
    const double write_s = f.checkpoint_write_s(job);
    const double interval = options_.young_daly_checkpoints
                                ? young_daly_interval_s(write_s, f.job_mtbf_s(job.gpus))
                                : job.checkpoint_interval_s;
    run.checkpoint_period_s = interval + write_s;
    run.compute_stretch = run.checkpoint_period_s / interval;
  }

  // Where the run's time on its GPUs went, from its start to now: the restart as spent (cut
  // short if the run stops first), checkpoint writes, and progress, all of it kept unless the
  // run is `stopped` (preempted or failed).
  static RunTime run_time(const TrainingRunState& run, double now, bool stopped) {
    RunTime time = split_run_time(now - run.start_s, run.run_restart_s, run.checkpoint_period_s,
                                  run.compute_stretch, stopped);
    time.restart_after_failure = run.run_restart_after_failure;
    return time;
  }

  // Work since the last checkpoint is lost: checkpoints fall every checkpoint_period_s of
  // running time, and progress within a run is taken as even over time.
  void carry_out(const PreemptTraining& a, double now) {
    auto& run = runs_[a.job];
    const StoppedRun stopped = stop_run(run, now);
    run.saved_flops += stopped.saved;
    run.restart_delay_s = a.restart_delay_s;
    run.restart_after_failure = a.failure;
    const double lost = stopped.done - stopped.saved;
    if (a.failure)
      recorder_.training_interrupted(a.job, now, stopped.saved, lost, stopped.time);
    else
      recorder_.training_preempted(a.job, now, stopped.saved, lost, stopped.time);
  }

  // What a run stopped now did (done), kept up to its last checkpoint (saved) and how its time
  // splits; its actor is killed.
  struct StoppedRun {
    double done = 0, saved = 0;
    RunTime time;
  };
  StoppedRun stop_run(TrainingRunState& run, double now) {
    const double done = run.progress.fraction_done() * run.work_flops;
    const RunTime time = run_time(run, now, true);
    const double progress = time.kept_s + time.redone_s;
    const double saved = progress > 0 ? done * time.kept_s / progress : 0;
    run.actor->kill();
    run.progress.stop();
    run.actor = nullptr;
    run.progress = TrainingProgress{};
    return {done, saved, time};
  }

  // Killed at its walltime: what the run checkpointed counts as done; its progress since the
  // last checkpoint is lost, booked as killed_at_walltime, and the rest of its time (restart,
  // checkpoint writes, progress kept) as for a preemption (docs/metrics.md). Not requeued.
  void carry_out(const KillTraining& a, double now) {
    const StoppedRun stopped = stop_run(runs_[a.job], now);
    recorder_.training_killed(a.job, now, stopped.saved, stopped.time);
  }

  void carry_out(const StartReplica&, double) {}  // follow_load sets what its GPUs draw
  void carry_out(const StopReplica&, double) {}

  // GPUs a service's replica keeps busy per unit/s of its capacity, per pool (0: none there):
  // a pool's loaded replicas of the service keep capacity_by_pool x this GPUs, times the load.
  static std::vector<std::vector<double>> gpus_per_unit(const Fleet& fleet, const Workload& w) {
    std::vector<std::vector<double>> table(w.inference.size(),
                                           std::vector<double>(fleet.pools.size(), 0.0));
    for (size_t s = 0; s < w.inference.size(); ++s)
      for (size_t p = 0; p < fleet.pools.size(); ++p)
        for (const auto& g : w.inference[s].generations)
          if (g.model == fleet.pools[p].gpu_model && g.throughput > 0) {
            table[s][p] = w.inference[s].gpus_per_replica / g.throughput;
            break;
          }
    return table;
  }

  // Every loaded replica of a service carries the same load, served / capacity (replica_load);
  // one still loading carries none (loading weights is bound by storage: idle power). Each
  // pool's busy replica GPUs go to its serving host (ServingPower). Called after each step,
  // once demand and replicas are set.
  void follow_load() {
    std::fill(busy_.begin(), busy_.end(), 0.0);
    for (int s = 0; s < static_cast<int>(workload_.inference.size()); ++s) {
      const double load = replica_load(core_.demand(s), core_.capacity(s));
      if (load <= 0) continue;
      const auto& capacity = core_.capacity_by_pool(s);
      for (size_t p = 0; p < busy_.size(); ++p)
        busy_[p] += load * capacity[p] * gpus_per_unit_[s][p];
    }
    for (size_t p = 0; p < busy_.size(); ++p) serving_.set_busy(static_cast<int>(p), busy_[p]);
  }

  void carry_out(const StartLease& a, double now) {
    for (const auto& part : a.placement.parts)
      lease_execs_[a.lease].push_back(hold(part.domain, part.gpus));
    push(now + workload_.leases[a.lease].duration_s, EventKind::kLeaseEnd, a.lease);
  }

  void carry_out(const RejectLease&, double) {}

  void carry_out(const StartContract& a, double) {
    for (const auto& placement : a.placements)
      for (const auto& part : placement.parts)
        contract_execs_[a.contract].push_back(hold(part.domain, part.gpus));
  }

  void carry_out(const EndContract& a, double) {
    for (auto& exec : contract_execs_[a.contract]) exec->cancel();
    contract_execs_[a.contract].clear();
  }

  void carry_out(const ReclaimLease& a, double) {
    for (auto& exec : lease_execs_[a.lease]) exec->cancel();
    lease_execs_[a.lease].clear();
    reclaimed_[a.lease] = true;
  }

  void finish(double horizon) {
    recorder_.inference_until(horizon, core_);
    recorder_.state_until(horizon, core_);
    for (int job : core_.running_training()) {
      auto& run = runs_[job];
      const RunTime time = run_time(run, horizon, false);
      // The rule at the horizon (docs/metrics.md): a job whose work is done to within rounding
      // completes at the horizon, whether SimGrid's end fell a hair before it or after.
      if (run.progress.done_within_rounding())
        recorder_.training_ended(job, horizon, run.work_flops, true, time);
      else
        recorder_.training_ended(job, horizon, run.progress.fraction_done() * run.work_flops, false,
                                 time);
    }
    std::vector<double> energy(platform_.fleet.pools.size(), 0.0);
    for (size_t d = 0; d < platform_.hosts.size(); ++d)
      energy[platform_.fleet.domains[d].pool] += sg_host_get_consumed_energy(platform_.hosts[d]);
    for (size_t p = 0; p < energy.size(); ++p)
      energy[p] += serving_.consumed_j(static_cast<int>(p));
    result_ = recorder_.finish(std::move(energy));
    result_.events = events_handled_;
    for (auto& execs : lease_execs_)
      for (auto& exec : execs) exec->cancel();
    for (auto& execs : contract_execs_)
      for (auto& exec : execs) exec->cancel();
    serving_.stop();
    s4u::Actor::kill_all();
    for (int job : core_.running_training()) runs_[job].progress.stop();
  }

  const LoadedPlatform& platform_;
  ServingPower& serving_;
  const Workload& workload_;
  const SimulationOptions& options_;
  SchedulerCore core_;
  Recorder recorder_;
  std::vector<TrainingRunState> runs_;  // sized once: TrainingTask holds pointers into it
  std::vector<std::vector<double>> gpus_per_unit_;  // per service, per pool
  std::vector<double> busy_;                        // per pool: follow_load's scratch
  std::vector<std::vector<s4u::ExecPtr>> lease_execs_;
  std::vector<std::vector<s4u::ExecPtr>> contract_execs_;
  std::vector<bool> reclaimed_;
  s4u::SemaphorePtr wakeup_;
  std::priority_queue<TimedEvent, std::vector<TimedEvent>, std::greater<>> events_;
  long seq_ = 0;
  long events_handled_ = 0;
  std::vector<int> completed_;
  std::vector<Rng> failure_rngs_;  // one per pool: failure_streams
  struct Repair {
    int domain;
    int gpus;
  };
  std::vector<Repair> repairs_;
  std::vector<WalltimeCheck> walltimes_;
  RunResult result_;
  std::exception_ptr failure_;  // what ended the run early (see operator())
};

}  // namespace

Simulation::Simulation(const std::string& platform_file) : state_(std::make_unique<State>()) {
  // SimGrid aborts (SIGABRT) on some values instead of throwing: refuse them first.
  check_platform_file(platform_file);
  int argc = 1;
  char name[] = "gpufleet";
  char* argv[] = {name, nullptr};
  state_->engine = std::make_unique<s4u::Engine>(&argc, argv);
  take_back_cleanup_signals();  // SimGrid's SIGINT handler calls exit(1)
  configure_engine();
  sg_host_energy_plugin_init();
  try {
    state_->engine->load_platform(platform_file);
  } catch (const std::exception& e) {
    // SimGrid appends every host name or config key to some messages, on further lines: keep
    // the first line, which says what is wrong, as one error line.
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    if (what.size() > 400) what = what.substr(0, 400) + "...";
    throw InputError(platform_file, "", "cannot load the platform: " + what,
                     "check the XML against SimGrid's platform format 4.1, or regenerate it with "
                     "'gpufleet platform'");
  }
  state_->platform = read_fleet(state_->engine->get_all_hosts(), platform_file);
  state_->serving = std::make_unique<ServingPower>(state_->platform);
}

Simulation::~Simulation() = default;

const Fleet& Simulation::fleet() const {
  return state_->platform.fleet;
}

RunResult Simulation::run(const Workload& workload, Policy& policy,
                          const SimulationOptions& options) {
  auto controller =
      std::make_shared<Controller>(state_->platform, *state_->serving, workload, policy, options);
  s4u::Actor::init("controller", state_->platform.hosts.front())
      ->set_stacksize(kControllerStackBytes)
      ->start([controller] { (*controller)(); });
  state_->engine->run();
  if (controller->failure()) std::rethrow_exception(controller->failure());
  RunResult result = controller->take_result();
  result.policy = options.policy_name;
  result.forecast = options.forecast_name;
  result.policy_params = policy.params();
  result.seed = options.seed;
  result.placement = options.placement;
  result.plan_with = to_string(options.planning);
  result.walltime = options.kill_at_walltime ? "kill" : "ignore";
  result.failures_enabled = options.failures.enabled;
  result.restart_delay_s = options.failures.restart_s;
  for (const auto& cause : options.failures.causes) result.failure_causes.push_back(cause.name);
  return result;
}

}  // namespace gpufleet
