#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/fleet.hpp"
#include "model/workload.hpp"
#include "policies/demand_forecast.hpp"
#include "scheduler/policy.hpp"

namespace gpufleet {

class SchedulerCore;

// A policy part written outside C++ (a part "python:MODULE:CLASS", docs/python.md): the steps it
// takes, each called by the composed policy in place of the C++ part that takes that step, with
// the forecaster the C++ parts read. An empty step is left to the C++ parts: a part without a
// training order combines with a C++ one (or static-partition's); make_policy refuses one whose
// serve or leases step another named part also takes (lease-idle, spillover, hetero-aware).
struct ExternalPolicy {
  using Step = std::function<void(SchedulerCore&, const DemandForecaster&)>;
  Step serve;   // inference replicas, in place of autoscale's peak replicas
  Step leases;  // lease requests, in place of static-partition's refusals
  Step order;   // the training order, in place of the C++ orders
};

// make_policy gives a part named "python:..." to the maker installed here, which returns its
// steps, or throws std::invalid_argument. The Python module installs one in the process that
// runs the policy (src/python/); without one, such a part is refused. (Named when the part was
// a training order only.)
using ExternalOrderMaker = std::function<ExternalPolicy(const std::string& part)>;
void set_external_order_maker(ExternalOrderMaker maker);
// What a run of an external part depends on beyond its name: the SHA-256 of its source (its
// module's file), or "" when unknown. A study puts it in its runs' configuration hash, so that
// an edited policy runs again. Installed with the maker, where the parts are importable.
using ExternalSourceHasher = std::function<std::string(const std::string& part)>;
void set_external_source_hasher(ExternalSourceHasher hasher);
std::string external_source_sha256(const std::string& part);
inline constexpr const char* kExternalOrderPrefix = "python:";
// Whether a part of a policy name is written outside C++ ("python:MODULE:CLASS").
inline bool is_external_part(const std::string& part) {
  return part.rfind(kExternalOrderPrefix, 0) == 0;
}

// What a (possibly combined) policy name asks for, with its parameters resolved.
struct PolicyPlan {
  bool backfill = false;          // easy-backfill, else FIFO
  bool spillover = false;         // training may run on inference pools after a wait
  bool lease_idle = false;        // inference follows demand; leases take what it leaves idle
  bool preempt_priority = false;  // higher-priority training preempts lower
  bool replay = false;            // training starts at its recorded start, as in its trace
  bool hetero_aware = false;      // generations go to the jobs that gain most from them
  bool slurm = false;             // Slurm's multifactor priority order, then EASY backfilling
  PolicyParams params;            // every parameter of the named parts, defaults filled in
  ForecastSpec forecast;          // what inference scaling knows of demand ahead
  // A part written outside C++ ("python:MODULE:CLASS"): its steps are called in place of the
  // C++ parts that take them; none: no such part.
  ExternalPolicy external;
  std::string external_name;  // its part's name, for the decision log
};

// The parts of a (possibly combined) policy name: "easy-backfill+lease-idle" -> both.
std::vector<std::string> policy_parts(const std::string& name);

// make_policy with the forecaster inference scaling uses (policy.hpp's make_policy: weekly).
std::unique_ptr<Policy> make_policy(const std::string& name, const std::vector<std::string>& params,
                                    const ForecastSpec& forecast);

// The one policy class: the parts of a plan applied in a fixed order on every call.
std::unique_ptr<Policy> make_composed_policy(PolicyPlan plan);

// Building blocks the parts share.
// Starts waiting training jobs in queue order on pools of `role` until the head does not fit.
void start_training_fifo(SchedulerCore& core, PoolRole role);
// Starts a waiting job on the first of its pools of `role`, in its order of preference, that
// has room; false if none has.
bool start_in_role(SchedulerCore& core, int job, PoolRole role);
// EASY backfilling: starts later jobs that fit now without delaying the head's reservation
// (run times planned by SchedulerCore::planned_runtime_s: walltimes, not true run times).
void backfill_training(SchedulerCore& core, PoolRole role);
// Starts jobs that have waited at least `wait_s` on inference pools with room (at most
// usable_gpus(pool) GPUs of a pool), if their training state fits the GPUs' memory.
void spill_over(SchedulerCore& core, double wait_s,
                const std::function<int(int pool)>& usable_gpus);
// Whether the job's training state (weights, gradients, optimizer) fits the pool's GPU memory.
bool training_state_fits(const TrainingJob& job, const Pool& pool);
// The most free GPUs on any pool of `role`: a job larger than that cannot start anywhere.
int most_free_gpus(const SchedulerCore& core, PoolRole role);
// Starts waiting jobs, highest priority first, by preempting running jobs of lower priority
// on their pools of `role`; the preempted restart from their last checkpoint after
// restart_delay_s.
void preempt_for_priority(SchedulerCore& core, PoolRole role, double restart_delay_s);
// Moves spilled jobs back to a training pool of a generation they prefer when one has room and
// the move (a restart after restart_delay_s, up to a checkpoint interval redone) pays off, by
// the planned time left (from the walltime) and the generations' relative speeds.
void migrate_back(SchedulerCore& core, double restart_delay_s);
// Starts each waiting job that has a recorded start once that time comes, on any pool of a
// model it may use (one domain if it fits in one), and asks to be woken at the recorded
// starts still ahead. Jobs without a recorded start (never scheduled in the trace) wait.
void start_recorded(SchedulerCore& core);
// Refuses every lease request still pending.
void refuse_leases(SchedulerCore& core);

// What Meta and xAI did: external leases take the inference GPUs that inference leaves idle.
// On-demand leases get only GPUs above inference's peak reserve (peak x (1 + headroom));
// preemptible ones may use any idle GPU and are reclaimed, newest first, after a notice period
// when inference needs their GPUs. Replicas are held for the peak, as in static-partition, or,
// with follow_demand, follow the demand one notice period ahead (plus the headroom), which
// frees the troughs for preemptible leases.
class IdleLeasing {
 public:
  // Ranks across classes where leases and training meet on inference pools (preempt-priority).
  // Inference is always first: its peak reserve is never leased to on-demand tenants nor
  // given to training.
  struct ClassRanks {
    bool enabled = false;
    double ondemand_lease = 2;
    double training = 1;
    double preemptible_lease = 0;
    double restart_delay_s = 0;  // of a training job preempted for an on-demand lease
  };

  // headroom_quantile > 0: the headroom is at least that quantile of the forecaster's relative
  // error; scale_down_window_s: following demand, how long the target must stay below what a
  // replica serves before it is released (at least the service's cold start; stabilized()).
  IdleLeasing(double headroom, double notice_s, bool follow_demand, double headroom_quantile,
              double scale_down_window_s);
  void set_ranks(const ClassRanks& ranks) { ranks_ = ranks; }
  void apply(SchedulerCore& core, const DemandForecaster& forecaster);
  // When training outranks preemptible leases: the first waiting job that `may_run` on an
  // inference pool and would fit there without the pool's preemptible leases gives those
  // (newest first) notice; their GPUs are kept from new preemptible leases until reclaimed.
  // True if they were reclaimed at once (no notice period): training may be placed again.
  bool claim_for_training(SchedulerCore& core,
                          const std::function<bool(int job, int pool)>& may_run);
  // Free GPUs of the pool that inference's peak reserve does not claim (valid after apply()
  // in the same scheduling call).
  int spare_gpus(const SchedulerCore& core, int pool) const;

 private:
  void index_models(const SchedulerCore& core);
  void reserve_for_peaks(const SchedulerCore& core, const DemandForecaster& forecaster);
  double headroom(int service, const DemandForecaster& forecaster) const;
  void count_inference_held(const SchedulerCore& core);
  void reclaim_when_due(SchedulerCore& core);
  std::map<std::string, int> scale_inference(SchedulerCore& core,
                                             const DemandForecaster& forecaster);
  // The highest target of the service's scale-down window (recorded here; call once a pass).
  double stabilized(SchedulerCore& core, int service, double target);
  void give_notice(SchedulerCore& core, const std::map<std::string, int>& missing);
  void decide_requests(SchedulerCore& core);
  bool preempt_training_for(SchedulerCore& core, int lease, int pool);
  int preemptible_gpus_on(const SchedulerCore& core, int pool, bool under_notice) const;

  const double headroom_;
  const double notice_s_;
  const bool follow_demand_;
  const double headroom_quantile_;
  const double window_s_;
  bool indexed_ = false;
  // A target and when the next replaced it (infinity: still the current one).
  struct SeenTarget {
    double value, until;
  };
  // Per service, the targets that may still be the highest of its window: times increasing,
  // values decreasing (a monotonic queue of the sliding-window maximum).
  std::vector<std::deque<SeenTarget>> recent_targets_;
  // Models by index (this fleet's, in pool order), so that the per-pass counts are integer
  // adds, not string-keyed map lookups (they were a third of a combined policy's time).
  std::vector<int> model_of_pool_;
  std::vector<std::vector<int>> inference_pools_of_model_;
  std::vector<int> inference_gpus_of_model_;
  std::vector<std::vector<int>> model_of_generation_;  // per service and generation; -1: none
  std::vector<int> reserved_;          // by model: GPUs inference may need at its peak
  std::vector<int> preemptible_;       // accepted preemptible leases, in acceptance order
  std::map<int, double> notice_ends_;  // lease under notice -> when it is reclaimed
  std::vector<int> held_;              // by model: GPUs that replicas hold (this call)
  ClassRanks ranks_;
  std::vector<bool> claimed_by_training_;  // per pool: leases there are under notice for it
};

// Gavel's idea on a discrete queue: each generation goes to the waiting jobs that gain the most
// from it (throughput there over throughput on their slowest generation), fastest generation
// first, so the jobs that gain little are the ones that run on older GPUs. A job only runs
// where it gets at least min_share of its best throughput. Fairness bound: a job that has
// waited fair_wait_s starts first, on its fastest pool with room; if it finds none, it holds
// an EASY reservation on its training pools, where only backfilling may start other jobs.
// Inference pools count when use_inference_pools, within usable_gpus.
class HeteroAware {
 public:
  HeteroAware(double fair_wait_s, double min_share, bool use_inference_pools);
  void apply(SchedulerCore& core, const std::function<int(int pool)>& usable_gpus);

 private:
  bool may_use(const SchedulerCore& core, int job, int pool,
               const std::function<int(int pool)>& usable_gpus) const;
  // Starts overdue jobs in arrival order; returns the first that found no room, or -1.
  int start_overdue(SchedulerCore& core, const std::function<int(int pool)>& usable_gpus);
  // Gives the pool's free GPUs to the waiting jobs that gain most from it.
  void share_out(SchedulerCore& core, int pool, const std::function<int(int pool)>& usable_gpus);

  const double fair_wait_s_;
  const double min_share_;
  const bool use_inference_pools_;
};

// Slurm's classic fair-share factor (https://slurm.schedmd.com/classic_fair_share.html) over a
// tree of accounts and users. Node 0 is the root; every other node names a parent listed
// before it. `usage` is a node's own (decayed) usage; an account's is its own plus its
// children's, and the total (the root's) normalizes them. Returns F per node (the root's 1):
// F = 2^(-UE / S), with S the node's normalized shares (its shares over its siblings', times
// its parent's S) and UE its effective usage: for the accounts under the root their normalized
// usage UA, below them UA + (UE_parent - UA) x shares / siblings' shares.
struct ShareNode {
  int parent = -1;
  double shares = 1;
  double usage = 0;
};
std::vector<double> classic_fair_share(const std::vector<ShareNode>& tree);

// Slurm's multifactor job priority (https://slurm.schedmd.com/priority_multifactor.html): the
// weighted sum of the age, fair-share, job size and QOS factors, each in [0, 1], truncated to
// an integer as Slurm does. Weights are Slurm's PriorityWeight*; times are PriorityMaxAge,
// PriorityDecayHalfLife (0: no decay) and PriorityCalcPeriod (0: every scheduling pass).
struct MultifactorSettings {
  double weight_age = 1000;
  double weight_fairshare = 10000;
  double weight_job_size = 1000;
  double weight_qos = 1000;
  double max_age_s = 7 * 86400.0;
  double half_life_s = 7 * 86400.0;
  double calc_period_s = 300;
};

// The `slurm` training order: waiting jobs start in order of priority on pools of `role` until
// one does not fit; that one gets EASY backfilling's reservation, and the jobs behind it, in
// priority order, start if they do not delay it (runtimes estimated as for easy-backfill).
// Every calc period it decays each association's usage (the GPU-seconds the core charged it)
// by the half-life, recomputes the fair-share factors (classic_fair_share over the root, one
// node per account and one per association below it, equal shares) and the priorities of the
// waiting jobs; a job released in between gets its priority when it enters the queue.
class MultifactorPriority {
 public:
  explicit MultifactorPriority(const MultifactorSettings& settings) : settings_(settings) {}
  void apply(SchedulerCore& core, PoolRole role);
  // A job's priority as of the last calc (-1 before it entered the queue), and an
  // association's factor.
  double priority(int job) const;
  double fair_share(int association) const { return fair_share_.at(association); }

  // Queue entries, in priority order: higher priority, then earlier submission, then job index
  // (Slurm's order: priority, submit time, job id). Backfilling's first test reads only these;
  // a new calc recomputes the priority from the entry alone.
  struct Entry {
    double priority = 0;
    double submit_s = 0;
    int job = 0;
    int gpus = 0;
    double min_runtime_s = 0;  // its shortest estimated runtime on a pool of the role
    double eligible_s = 0;     // when it first entered the queue: its age counts from there
    double fixed = 0;          // its weighted job size and QOS factors
    int association = 0;
    bool operator<(const Entry& o) const;
  };
  // The entries of the last sort in priority order, as passes read them. A queue of up to
  // kSortAll entries is sorted at once (by insertion: from one calc to the next most entries
  // keep their place); a longer one is a heap that gives its entries one by one, as far as
  // passes read (a few hundred of a queue that priority preemption grows to 10^5 and more).
  class Order {
   public:
    static constexpr size_t kSortAll = 16384;
    // Every entry, those read first in their order: to drop and reprioritize in place, then
    // append new ones behind the first `kept`, and arrange.
    std::vector<Entry>& gather();
    void arrange(size_t kept);
    // The i-th in priority order; null past the last.
    const Entry* at(size_t i) { return i < read_.size() ? &read_[i] : read_to(i); }

   private:
    const Entry* read_to(size_t i);
    std::vector<Entry> read_;    // in priority order
    std::vector<Entry> unread_;  // a heap: the first of them on top
  };

 private:
  // What a job's priority needs beyond the factors of the moment, computed once.
  struct Facts {
    double eligible_s = -1;  // when it first entered the queue (-1: not yet seen)
    double fixed = 0;        // its weighted job size and QOS factors
    double min_runtime_s = 0;
    int association = 0;
  };

  void start(const SchedulerCore& core, PoolRole role);
  void release_new_jobs(const SchedulerCore& core);
  void release(const SchedulerCore& core, int job);
  const Facts& facts_of(const SchedulerCore& core, int job);
  void recalculate(const SchedulerCore& core);
  Entry entry_at(const SchedulerCore& core, int job, double t);
  double priority_at(double eligible_s, double fixed, int association, double t) const;
  void sort_waiting(const SchedulerCore& core);
  void start_in_order(SchedulerCore& core);

  const MultifactorSettings settings_;
  bool started_ = false;
  PoolRole role_ = PoolRole::kTraining;
  int role_gpus_ = 0;               // GPUs of the pools of the role: job size 1
  int lowest_priority_ = 0;         // QOS 0 ...
  int highest_priority_ = 0;        // ... and QOS 1
  std::vector<ShareNode> tree_;     // root, accounts, associations
  std::vector<double> charged_;     // per association: the core's GPU-seconds at the last calc
  std::vector<double> fair_share_;  // per association
  double calc_s_ = 0;               // the last calc
  double next_calc_s_ = 0;
  std::vector<Facts> facts_;  // per job
  // Waiting jobs in priority order: those of the last sort (order_, where jobs that started
  // since are skipped as they come) and those released since with their priority then
  // (arrivals_); with the factors of a new calc, released jobs wait in unsorted_ for the next
  // sort, which the first pass that may start a job makes.
  bool sorted_ = false;
  Order order_;
  std::set<Entry> arrivals_;
  std::vector<int> unsorted_;
  std::vector<bool> listed_;               // per job: in order_, arrivals_ or unsorted_
  long newest_key_ = -1, oldest_key_ = 0;  // queue keys seen: releases and jobs put back
};

// Holds, on pools of a role, the replicas each service's peak demand needs, whatever the hour:
// the highest demand the forecaster expects (the curve's peak for the oracle, else the highest
// seen so far, which only grows).
class PeakProvisioning {
 public:
  void apply(SchedulerCore& core, PoolRole role, const DemandForecaster& forecaster);
};

// Inference first: when a service's replicas fall short of `target` units/s on inference pools
// because training holds their GPUs (spilled there), the latest started of those jobs are
// preempted (they restart from their last checkpoint after restart_delay_s) until the
// missing replicas fit, and the service is scaled again. Returns whether it preempted.
bool give_back_to_inference(SchedulerCore& core, int service, double target,
                            double restart_delay_s);

}  // namespace gpufleet
