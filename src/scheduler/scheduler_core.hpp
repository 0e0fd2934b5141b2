#pragma once

#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "scheduler/actions.hpp"
#include "scheduler/associations.hpp"
#include "scheduler/decision_log.hpp"
#include "scheduler/placement.hpp"
#include "scheduler/policy.hpp"
#include "scheduler/topology.hpp"
#include "scheduler/waiting_queue.hpp"

namespace gpufleet {

// The one scheduler core: owns queues and free capacity, turns the simulation's events into
// calls to the policy, and checks and records the policy's decisions as Actions. It knows
// nothing of SimGrid.
class SchedulerCore {
 public:
  struct Replica {
    int service = 0;
    Placement placement;
    bool active = true;
    double ready_s = 0;  // when it has loaded and serves (docs/inference-latency.md)
  };

  // `placement`: where jobs larger than a domain go (see find_placement).
  SchedulerCore(const Fleet& fleet, const Workload& workload, Policy& policy,
                PlacementRule placement = PlacementRule::kTopology,
                RuntimePlanning planning = RuntimePlanning::kWalltime);

  // Events from the simulation.
  void set_time(double now) { now_ = now; }
  void training_submitted(int job);
  void training_finished(int job);
  void lease_requested(int lease);
  void lease_ended(int lease);
  // A contract's term (src/scheduler/contracts.cpp): its GPUs are taken at the start, making
  // room when they are held (spot leases reclaimed, then replicas stopped, then training
  // preempted, lowest priority first), and given back at its end. Policies see them as held.
  void contract_started(int contract);
  void contract_ended(int contract);
  void demand_changed(int service, double demand);
  // Runs the policy; returns the actions it decided, in order.
  std::vector<Action> schedule();

  // What policies read.
  const Fleet& fleet() const { return fleet_; }
  const Workload& workload() const { return workload_; }
  double now() const { return now_; }
  const WaitingQueue& waiting_training() const { return waiting_; }
  // GPUs of the smallest waiting job that may run on the pool; none waiting: INT_MAX.
  int smallest_waiting_gpus(int pool) const;
  // Waiting jobs that a trace says ran (a recorded start): replay has nothing to do without.
  int waiting_with_recorded_start() const { return waiting_recorded_; }
  // The highest priority among waiting jobs; none waiting: INT_MIN.
  int highest_waiting_priority() const {
    return waiting_priorities_.empty() ? std::numeric_limits<int>::min()
                                       : waiting_priorities_.rbegin()->first;
  }
  // Keeps the indexes below from now on (built from the queue at the first call): the
  // policies that read them ask for it at each pass, and the others (static-partition) do not
  // pay for them (a year's 1.15M enqueues: 17 s and 200 MiB).
  void index_waiting();
  // Waiting jobs in runs to be read lazily, in queue order (WaitingMerge), by passes that stop
  // reading once nothing more fits: per pool, (GPUs, runtime class) -> the waiting jobs of
  // that size whose planned runtime there (planned_runtime_s) is in the class's range, as
  // (queue key, job). A pass's cost grows with the jobs it reads, not with the queue.
  using KeyedJobs = std::set<std::pair<long, int>>;
  using WaitingRuns = std::map<std::pair<int, int>, KeyedJobs>;
  const WaitingRuns& waiting_runs(int pool) const { return waiting_runs_[pool]; }
  // Per pool, (priority, GPUs) -> the waiting jobs of that priority and size.
  const std::map<std::pair<int, int>, KeyedJobs>& waiting_by_priority(int pool) const {
    return waiting_index_[pool];
  }
  // Per pool, (-speedup, -GPUs) -> the waiting jobs of that speedup and size, the largest
  // speedup (the job's FLOP/s per GPU there over that on its slowest pool) first, then the
  // largest jobs: hetero-aware's order.
  const std::map<std::pair<double, int>, KeyedJobs>& waiting_by_speedup(int pool) const {
    return waiting_by_speedup_[pool];
  }
  // Useful FLOP/s one GPU of the pool gives the job (its MFU there x the peak).
  double rate_on(int job, int pool) const {
    return workload_.training[job].generations[generation_on(job, pool)].mfu *
           fleet_.pools[pool].peak_flops_per_gpu;
  }
  // The range of planned runtimes of a runtime class: [low, high).
  static std::pair<double, double> runtime_class_range(int runtime_class);
  // The priorities of waiting jobs above `floor`, highest first.
  std::vector<int> waiting_priorities_above(int floor) const;
  // The earliest time after now (by more than 1e-9 s) at which a waiting job will have
  // waited `wait_s` since its submission; infinity if none. Whether some job already has.
  double next_wait_crossing(double wait_s) const;
  bool any_waited(double wait_s) const;
  const std::vector<int>& running_training() const { return running_; }
  // Running jobs on the pool as (start + planned_runtime_s, job), earliest first: backfilling's
  // reservation reads the first few instead of sorting every running job.
  const std::set<std::pair<double, int>>& running_by_planned_end(int pool) const {
    return running_by_end_[pool];
  }
  const std::optional<Placement>& placement_of(int job) const { return training_placement_[job]; }
  double started_at(int job) const { return started_at_[job]; }  // the latest start
  // How long the planner expects the job to hold its GPUs once started on the pool: all that
  // planning policies may know of its length. Its run limit there (run_limit_s: a run is killed
  // at it, docs/workload-format.md); without a walltime, or under RuntimePlanning::kExact, its
  // compute time there (an oracle). Infinity if the job may not run on the pool's model.
  double planned_runtime_s(int job, int pool) const;
  // The wall time a run of the job on the pool may last: its walltime, which its user asked for
  // its first generation in the fleet, stretched by how much slower per GPU the pool's
  // generation is at the job's MFU there (never shortened): the operator who moves a job to
  // older GPUs raises its limit, as Slurm lets an administrator do. 0: no walltime.
  double run_limit_s(int job, int pool) const;
  // The job's compute time on the pool at its MFU there, work / (GPUs x peak x MFU): its true
  // length but for the gradient exchange. For the simulation and for measuring, not for plans.
  double compute_time_s(int job, int pool) const;
  RuntimePlanning planning() const { return planning_; }
  const std::vector<int>& pending_leases() const { return pending_leases_; }
  // Fair-share accounting, Slurm's raw usage: the users and accounts of the training jobs as
  // ids, and the GPU-seconds (GPUs x gpu_share) each association's jobs have held up to now,
  // over all their runs and pools.
  const Associations& associations() const { return associations_; }
  double charged_gpu_seconds(int association) const {
    return charged_gpu_s_[association] +
           charging_gpus_[association] * (now_ - charged_since_[association]);
  }
  int free_gpus(int pool) const { return free_per_pool_[pool]; }
  const std::vector<int>& free_per_domain() const { return free_per_domain_; }
  double demand(int service) const { return demand_[service]; }
  // Demand units/s the replicas of `service` that have loaded sustain: what serves now.
  double capacity(int service) const { return capacity_[service]; }
  // That, plus the replicas still loading: what scaling decisions count.
  double provisioned(int service) const { return provisioned_[service]; }
  // Demand units/s the loaded replicas of `service` sustain, per pool.
  const std::vector<double>& capacity_by_pool(int service) const {
    return capacity_by_pool_[service];
  }
  const std::vector<Replica>& replicas() const { return replicas_; }  // ever started
  int replica_gpus(int pool) const { return replica_gpus_[pool]; }    // held by active ones
  const std::vector<int>& active_replicas(int service) const { return active_by_service_[service]; }
  // Pools of that GPU model, in fleet order (computed once: policies ask on every event).
  const std::vector<int>& pools_of_model(const std::string& model) const;
  std::optional<Placement> placement_for(int pool, int gpus) const;
  // Where it would go were these the free GPUs of each domain (a state saved earlier).
  std::optional<Placement> placement_on(const std::vector<int>& free_per_domain, int pool,
                                        int gpus) const;
  // The pools a training job may run on, in its order of preference (all roles).
  const std::vector<int>& job_pools(int job) const { return job_pools_[job]; }
  // Index of the job's generation that `pool` runs, or -1 if the job may not run there.
  int generation_on(int job, int pool) const {
    return generation_on_pool_[static_cast<size_t>(job) * fleet_.pools.size() + pool];
  }

  // Why start_training(job, pool) would be refused now, in a sentence naming the job and the
  // pool; empty if it would start. Asks only what the action checks, plus that the job waits
  // (the action assumes it): for policies outside C++ (Python) that report a refusal.
  std::string why_cannot_start(int job, int pool) const;
  // Why preempt_training(job) would be wrong now (the job is not running); empty if it may.
  std::string why_cannot_preempt(int job) const;
  // The same for replicas and leases: why add_replica(service, pool)
  // would return false, remove_replica(replica) do nothing (it is not active), accept_lease(lease,
  // pool) return false, and reject_lease or reclaim_lease be wrong (the lease is not pending,
  // resp. not running).
  std::string why_cannot_add_replica(int service, int pool) const;
  std::string why_cannot_remove_replica(int replica) const;
  std::string why_cannot_accept_lease(int lease, int pool) const;
  std::string why_cannot_reject_lease(int lease) const;
  std::string why_cannot_reclaim_lease(int lease) const;

  // What policies decide. Each returns false (and changes nothing) when it cannot be done.
  bool start_training(int job, int pool);
  // Starts it on exactly these GPUs (a placement computed earlier); false if they are taken.
  bool start_training_at(int job, const Placement& placement);
  // Frees a running job's GPUs now and puts it at the head of the queue; the simulation
  // loses the work done since its last checkpoint.
  void preempt_training(int job, double restart_delay_s = 0);
  // Ends a running job at its walltime, as Slurm's TIMEOUT: its GPUs are freed, it is not
  // requeued and never completes (its dependents are never released). The simulation keeps its
  // work up to its last checkpoint and loses the rest.
  void kill_training(int job);
  bool accept_lease(int lease, int pool);

  // Failures (the simulation draws them). What holds the GPUs of a domain, in a fixed order:
  // running training jobs (in start order), active replicas, running leases, contracts; the free
  // GPUs come after them.
  struct Holder {
    enum Kind { kTraining, kReplica, kLease, kContract } kind;
    int id;
    int gpus;
  };
  std::vector<Holder> holders_of(int domain) const;
  // Stops a running job whose GPUs failed: as preempt_training, marked as a failure.
  void interrupt_training(int job, double restart_delay_s);
  // Takes `gpus` free GPUs of a domain out of service until bring_up: they are down, neither
  // free nor allocated.
  void take_down(int domain, int gpus);
  void bring_up(int domain, int gpus);
  int down_gpus(int pool) const { return down_per_pool_[pool]; }
  void reject_lease(int lease);
  // Ends an accepted, running lease now and frees its GPUs.
  void reclaim_lease(int lease);
  const std::optional<Placement>& lease_placement(int lease) const {
    return lease_placement_[lease];
  }
  // Starts a replica; it serves after the service's cold start (replicas started at time 0
  // serve at once: the fleet was serving before the simulated window).
  bool add_replica(int service, int pool);
  void remove_replica(int replica, ReplicaStop reason = ReplicaStop::kScaledDown);
  // Adds or removes replicas of `service` on pools whose role is `role` until its capacity
  // (units/s) meets `target` with the fewest GPUs, preferring generations in the service's
  // order. Only generations within the service's latency target are used.
  // Counts provisioned capacity: replicas still loading are not started twice.
  void scale_to(int service, PoolRole role, double target);
  // Asks to be called again at time t even if nothing happens then (e.g. when a waiting job
  // crosses a threshold). Requests for a time already asked for are merged.
  void wake_at(double t);
  // The times asked for since the last call, for the simulation to schedule.
  std::vector<double> take_wakeups() { return std::exchange(new_wakeups_, {}); }

  // scale_to() the service's current demand.
  void autoscale(int service, PoolRole role) { scale_to(service, role, demand_[service]); }

  // The decision log (decision_log.hpp; none by default): every action above is recorded with
  // the part and reason of the innermost DecisionScope around it.
  void set_decision_log(DecisionLog* log) { decisions_ = log; }
  DecisionLog* decision_log() const { return decisions_; }
  DecisionPart decision_part() const { return part_; }
  DecisionReason decision_reason() const { return reason_; }
  void set_decision_context(DecisionPart part, DecisionReason reason) {
    part_ = part;
    reason_ = reason;
  }
  // A part or reason named at run time (a Python policy: "python:MyPolicy"), for a
  // DecisionScope; without a log, the defaults (nothing is recorded then).
  DecisionPart decision_part_named(std::string_view name) {
    return decisions_ ? decisions_->part_code(name) : DecisionPart::kCore;
  }
  DecisionReason decision_reason_named(std::string_view name) {
    return decisions_ ? decisions_->reason_code(name) : DecisionReason::kNone;
  }

 private:
  // Why `gpus` GPUs of the pool cannot be placed now (too few free, or too fragmented); empty if
  // they can: what starting a job and accepting a lease both check.
  std::string why_no_room(int pool, int gpus) const;
  void take(const Placement& placement);
  void give_back(const Placement& placement);
  void make_room(const std::vector<int>& pools, int gpus);
  Placement take_any_free(int pool, int gpus);
  void release_if_ready(int job);
  void enqueue(int job, bool at_head);
  void dequeue(int job);
  double replica_throughput(int service, int pool) const;
  void serve_loaded_replicas();
  // Records an action in the decision log, if there is one: integer codes only.
  void note(DecisionAction action, int id, int pool, int gpus, int replica = -1) {
    if (decisions_) decisions_->record({now_, action, id, replica, pool, gpus, part_, reason_});
  }

  const Fleet& fleet_;
  std::optional<Topology> topology_;
  bool whole_domains_ = false;
  RuntimePlanning planning_ = RuntimePlanning::kWalltime;
  const Workload& workload_;
  Policy& policy_;
  double now_ = 0;
  std::vector<int> free_per_domain_;
  std::optional<DomainsByFree> domains_by_free_;  // placement_for's index of free GPUs
  void add_free(int domain, int gpus);  // every change of free_per_domain_ goes through it
  std::vector<int> free_per_pool_;
  std::vector<int> down_per_pool_;
  std::vector<int> replica_gpus_;  // per pool, GPUs of active replicas
  WaitingQueue waiting_;           // released training jobs in arrival order
  // Per pool, GPUs -> how many waiting jobs of that size may run there: the fragmentation
  // metric asks each bin, and scanning the queue cost O(queue) when nothing fits.
  std::vector<std::map<int, int>> waiting_sizes_;
  std::map<int, int> waiting_priorities_;  // priority -> waiting jobs (preemption asks each pass)
  int waiting_recorded_ = 0;
  // Per pool, the waiting jobs that may run there, as (queue key, job), by (priority, GPUs),
  // by (GPUs, runtime class) and by (-speedup, -GPUs): the runs that passes read.
  std::vector<std::map<std::pair<int, int>, KeyedJobs>> waiting_index_;
  std::vector<WaitingRuns> waiting_runs_;  // per pool
  std::vector<std::map<std::pair<double, int>, KeyedJobs>> waiting_by_speedup_;
  std::pair<double, int> speedup_kind(int job, int pool) const;
  static int runtime_class(double runtime_s);
  std::set<std::pair<double, int>> waiting_by_submit_;            // (submit_s, job)
  std::vector<std::set<std::pair<double, int>>> running_by_end_;  // per pool
  void add_running(int job);
  bool indexed_ = false;
  void index(int job, bool at_head);
  void unindex(int job);
  void add_running_index(int job);
  // A running training job stops: off the running list, its GPUs back.
  void release_training(int job);
  void remove_running(int job);
  std::vector<int> running_;
  std::vector<int> pending_leases_;
  std::vector<int> deps_left_;
  std::vector<bool> submitted_;
  std::vector<std::vector<int>> dependents_;
  std::vector<std::optional<Placement>> training_placement_;
  std::vector<double> started_at_;
  std::set<double> wakeups_;  // every time asked for, to merge repeated requests
  std::vector<double> new_wakeups_;
  std::vector<std::optional<Placement>> lease_placement_;
  std::vector<std::vector<Placement>> contract_placements_;
  std::vector<double> demand_;
  std::vector<Replica> replicas_;  // every replica ever started; ids index it
  std::vector<std::vector<int>> active_by_service_;
  std::vector<double> capacity_;     // demand units/s the loaded replicas sustain
  std::vector<double> provisioned_;  // ... and those still loading
  std::vector<std::vector<double>> capacity_by_pool_;
  std::vector<int> loading_;  // replicas started and not yet serving
  std::vector<Action> actions_;
  std::map<std::string, std::vector<int>> pools_by_model_;
  std::vector<int> generation_on_pool_;      // job x pool
  std::vector<std::vector<int>> job_pools_;  // per job, in preference order
  // Books the GPU-time the job's association held so far, then adds (+1) or removes (-1) the
  // job's GPUs from those it holds: O(1) per start and stop.
  void charge(int job, int sign);
  Associations associations_;
  std::vector<double> charged_gpu_s_;  // per association, up to charged_since_
  std::vector<double> charging_gpus_;  // per association, held by its running jobs
  std::vector<double> charged_since_;
  DecisionLog* decisions_ = nullptr;
  DecisionPart part_ = DecisionPart::kCore;
  DecisionReason reason_ = DecisionReason::kNone;
};

// Who decides the actions taken while it lives, and why: ComposedPolicy opens one around each
// part, and a part around a step whose reason it knows; the previous context comes back at its
// end. Two int stores each way: free when no log is attached.
class DecisionScope {
 public:
  DecisionScope(SchedulerCore& core, DecisionPart part, DecisionReason reason)
      : core_(core), part_(core.decision_part()), reason_(core.decision_reason()) {
    core.set_decision_context(part, reason);
  }
  // Keeps the part, gives the reason.
  DecisionScope(SchedulerCore& core, DecisionReason reason)
      : DecisionScope(core, core.decision_part(), reason) {}
  ~DecisionScope() { core_.set_decision_context(part_, reason_); }
  DecisionScope(const DecisionScope&) = delete;
  DecisionScope& operator=(const DecisionScope&) = delete;

 private:
  SchedulerCore& core_;
  const DecisionPart part_;
  const DecisionReason reason_;
};

}  // namespace gpufleet
