#include "scheduler/scheduler_core.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

namespace gpufleet {

const char* to_string(RuntimePlanning planning) {
  return planning == RuntimePlanning::kExact ? "exact" : "walltime";
}

std::optional<RuntimePlanning> runtime_planning_named(std::string_view name) {
  if (name == "walltime") return RuntimePlanning::kWalltime;
  if (name == "exact") return RuntimePlanning::kExact;
  return std::nullopt;
}

SchedulerCore::SchedulerCore(const Fleet& fleet, const Workload& workload, Policy& policy,
                             PlacementRule placement, RuntimePlanning planning)
    : fleet_(fleet),
      planning_(planning),
      workload_(workload),
      policy_(policy),
      free_per_pool_(fleet.pools.size()),
      down_per_pool_(fleet.pools.size(), 0),
      replica_gpus_(fleet.pools.size(), 0),
      waiting_(workload.training.size()),
      waiting_sizes_(fleet.pools.size()),
      waiting_index_(fleet.pools.size()),
      waiting_runs_(fleet.pools.size()),
      waiting_by_speedup_(fleet.pools.size()),
      running_by_end_(fleet.pools.size()),
      deps_left_(workload.training.size()),
      submitted_(workload.training.size(), false),
      dependents_(workload.training.size()),
      training_placement_(workload.training.size()),
      started_at_(workload.training.size(), 0.0),
      lease_placement_(workload.leases.size()),
      contract_placements_(workload.contracts.size()),
      demand_(workload.inference.size(), 0.0),
      active_by_service_(workload.inference.size()),
      capacity_(workload.inference.size(), 0.0),
      provisioned_(workload.inference.size(), 0.0),
      capacity_by_pool_(workload.inference.size(), std::vector<double>(fleet.pools.size(), 0.0)),
      associations_(associations_of(workload)),
      charged_gpu_s_(associations_.pairs.size(), 0.0),
      charging_gpus_(associations_.pairs.size(), 0.0),
      charged_since_(associations_.pairs.size(), 0.0) {
  if (placement != PlacementRule::kFewestDomains) topology_.emplace(fleet);
  whole_domains_ = placement == PlacementRule::kConsolidate;
  for (const auto& domain : fleet.domains) free_per_domain_.push_back(domain.gpus);
  domains_by_free_.emplace(fleet, free_per_domain_, topology_ ? &*topology_ : nullptr);
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    free_per_pool_[p] = fleet.pools[p].gpus();
    pools_by_model_[fleet.pools[p].gpu_model].push_back(static_cast<int>(p));
  }
  // Which generation of each job each pool runs, and the job's pools in preference order:
  // policies ask on every event, so the model names are compared once, here.
  const size_t pools = fleet.pools.size();
  generation_on_pool_.assign(workload.training.size() * pools, -1);
  job_pools_.resize(workload.training.size());
  for (size_t j = 0; j < workload.training.size(); ++j) {
    const auto& gens = workload.training[j].generations;
    for (size_t k = 0; k < gens.size(); ++k)
      for (int pool : pools_of_model(gens[k].model))
        if (generation_on_pool_[j * pools + pool] < 0) {
          generation_on_pool_[j * pools + pool] = static_cast<int>(k);
          job_pools_[j].push_back(pool);
        }
  }
  std::map<std::string, int> index;
  for (size_t j = 0; j < workload.training.size(); ++j)
    index[workload.training[j].id] = static_cast<int>(j);
  for (size_t j = 0; j < workload.training.size(); ++j)
    for (const auto& dep : workload.training[j].after) {
      dependents_[index.at(dep)].push_back(static_cast<int>(j));
      ++deps_left_[j];
    }
}

void SchedulerCore::training_submitted(int job) {
  submitted_[job] = true;
  release_if_ready(job);
}

void SchedulerCore::release_if_ready(int job) {
  if (submitted_[job] && deps_left_[job] == 0) enqueue(job, false);
}

void SchedulerCore::enqueue(int job, bool at_head) {
  if (at_head)
    waiting_.push_front(job);
  else
    waiting_.push_back(job);
  const auto& spec = workload_.training[job];
  for (int pool : job_pools_[job]) ++waiting_sizes_[pool][spec.gpus];
  ++waiting_priorities_[spec.priority];
  waiting_recorded_ += spec.recorded_start_s >= 0;
  if (indexed_) index(job, at_head);
}

void SchedulerCore::index_waiting() {
  if (indexed_) return;
  indexed_ = true;
  for (int job : waiting_) index(job, false);  // in queue order: each goes last
  for (int job : running_) add_running_index(job);
}

void SchedulerCore::index(int job, bool at_head) {
  const auto& spec = workload_.training[job];
  const std::pair<long, int> keyed{waiting_.key_of(job), job};
  // The job's key is the queue's first or last: inserted at that end, a run of 100,000
  // waiting jobs takes it in constant time, where a search from the root missed the cache at
  // every level (a fifth of a year's run).
  const auto insert = [&](KeyedJobs& jobs) {
    jobs.emplace_hint(at_head ? jobs.begin() : jobs.end(), keyed);
  };
  for (int pool : job_pools_[job]) {
    insert(waiting_index_[pool][{spec.priority, spec.gpus}]);
    insert(waiting_runs_[pool][{spec.gpus, runtime_class(planned_runtime_s(job, pool))}]);
    insert(waiting_by_speedup_[pool][speedup_kind(job, pool)]);
  }
  waiting_by_submit_.insert({spec.submit_s, job});
}

void SchedulerCore::unindex(int job) {
  const auto& spec = workload_.training[job];
  const std::pair<long, int> keyed{waiting_.key_of(job), job};
  const auto erase = [&](auto& runs, const auto& kind) {
    const auto run = runs.find(kind);
    run->second.erase(keyed);
    if (run->second.empty()) runs.erase(run);
  };
  for (int pool : job_pools_[job]) {
    erase(waiting_index_[pool], std::pair{spec.priority, spec.gpus});
    erase(waiting_runs_[pool], std::pair{spec.gpus, runtime_class(planned_runtime_s(job, pool))});
    erase(waiting_by_speedup_[pool], speedup_kind(job, pool));
  }
  waiting_by_submit_.erase({spec.submit_s, job});
}

void SchedulerCore::dequeue(int job) {
  if (!waiting_.contains(job)) throw std::logic_error("start_training: job is not waiting");
  const auto& spec = workload_.training[job];
  if (indexed_) unindex(job);
  waiting_.erase(job);
  for (int pool : job_pools_[job]) {
    auto& sizes = waiting_sizes_[pool];
    const auto it = sizes.find(spec.gpus);
    if (--it->second == 0) sizes.erase(it);
  }
  const auto it = waiting_priorities_.find(spec.priority);
  if (--it->second == 0) waiting_priorities_.erase(it);
  waiting_recorded_ -= spec.recorded_start_s >= 0;
}

// Classes a factor 2^(1/4) apart: a pass that wants jobs shorter than some time skips the
// classes that are all longer.
int SchedulerCore::runtime_class(double runtime_s) {
  return static_cast<int>(std::floor(4 * std::log2(std::max(runtime_s, 1e-3))));
}

std::pair<double, double> SchedulerCore::runtime_class_range(int runtime_class) {
  return {std::exp2(runtime_class / 4.0), std::exp2((runtime_class + 1) / 4.0)};
}

std::pair<double, int> SchedulerCore::speedup_kind(int job, int pool) const {
  double slowest = std::numeric_limits<double>::infinity();
  for (int p : job_pools_[job]) slowest = std::min(slowest, rate_on(job, p));
  return {-(rate_on(job, pool) / slowest), -workload_.training[job].gpus};
}

std::vector<int> SchedulerCore::waiting_priorities_above(int floor) const {
  std::vector<int> above;
  for (auto it = waiting_priorities_.rbegin();
       it != waiting_priorities_.rend() && it->first > floor; ++it)
    above.push_back(it->first);
  return above;
}

double SchedulerCore::next_wait_crossing(double wait_s) const {
  // The first submission time whose job crosses after now: submit_s + wait_s is monotone in
  // submit_s, so a search near the exact bound, then steps over rounding, find it.
  const double after = now_ + 1e-9;
  const auto crosses_later = [&](double submit) { return submit + wait_s > after; };
  const auto first_of = [&](double submit) {
    return waiting_by_submit_.lower_bound({submit, std::numeric_limits<int>::min()});
  };
  auto it = first_of(after - wait_s);
  while (it != waiting_by_submit_.begin() && crosses_later(std::prev(it)->first))
    it = first_of(std::prev(it)->first);
  while (it != waiting_by_submit_.end() && !crosses_later(it->first))
    it = waiting_by_submit_.upper_bound({it->first, std::numeric_limits<int>::max()});
  return it == waiting_by_submit_.end() ? std::numeric_limits<double>::infinity()
                                        : it->first + wait_s;
}

bool SchedulerCore::any_waited(double wait_s) const {
  return !waiting_by_submit_.empty() && waiting_by_submit_.begin()->first + wait_s <= now_ + 1e-9;
}

void SchedulerCore::add_running(int job) {
  running_.push_back(job);
  charge(job, +1);
  if (indexed_) add_running_index(job);
}

void SchedulerCore::charge(int job, int sign) {
  const int a = associations_.of_job[job];
  charged_gpu_s_[a] += charging_gpus_[a] * (now_ - charged_since_[a]);
  charged_since_[a] = now_;
  charging_gpus_[a] += sign * workload_.training[job].allocated_gpus();
}

void SchedulerCore::add_running_index(int job) {
  const int pool = training_placement_[job]->pool;
  running_by_end_[pool].insert({started_at_[job] + planned_runtime_s(job, pool), job});
}

void SchedulerCore::remove_running(int job) {
  const auto it = std::find(running_.begin(), running_.end(), job);
  if (it == running_.end()) throw std::logic_error("training job is not running");
  running_.erase(it);
  charge(job, -1);
  if (!indexed_) return;
  const int pool = training_placement_[job]->pool;
  running_by_end_[pool].erase({started_at_[job] + planned_runtime_s(job, pool), job});
}

int SchedulerCore::smallest_waiting_gpus(int pool) const {
  const auto& sizes = waiting_sizes_[pool];
  return sizes.empty() ? std::numeric_limits<int>::max() : sizes.begin()->first;
}

void SchedulerCore::release_training(int job) {
  remove_running(job);
  give_back(*training_placement_[job]);
  training_placement_[job].reset();
}

void SchedulerCore::training_finished(int job) {
  release_training(job);
  for (int next : dependents_[job]) {
    --deps_left_[next];
    release_if_ready(next);
  }
}

void SchedulerCore::lease_requested(int lease) {
  pending_leases_.push_back(lease);
}

void SchedulerCore::lease_ended(int lease) {
  give_back(*lease_placement_[lease]);
  lease_placement_[lease].reset();
}

void SchedulerCore::demand_changed(int service, double demand) {
  demand_[service] = demand;
}

std::vector<Action> SchedulerCore::schedule() {
  serve_loaded_replicas();
  policy_.schedule(*this);
  // A lease asks for GPUs from its start time on; one the policy left undecided is refused.
  const DecisionScope undecided(*this, DecisionPart::kCore, DecisionReason::kUndecided);
  while (!pending_leases_.empty()) reject_lease(pending_leases_.front());
  return std::exchange(actions_, {});
}

const std::vector<int>& SchedulerCore::pools_of_model(const std::string& model) const {
  static const std::vector<int> none;
  const auto it = pools_by_model_.find(model);
  return it == pools_by_model_.end() ? none : it->second;
}

std::optional<Placement> SchedulerCore::placement_for(int pool, int gpus) const {
  if (free_per_pool_[pool] < gpus) return std::nullopt;
  // find_placement's first choice, the fullest domain that holds the job, from the index.
  if (gpus <= fleet_.pools[pool].gpus_per_domain) {
    const int domain = domains_by_free_->best_fit(pool, gpus);
    if (domain >= 0) return Placement{pool, {{domain, gpus}}};
    if (whole_domains_) return std::nullopt;  // a job that fits one server waits for one
  }
  return find_spanning_placement(fleet_, topology_ ? &*topology_ : nullptr, free_per_domain_, pool,
                                 gpus, whole_domains_, &*domains_by_free_);
}

std::optional<Placement> SchedulerCore::placement_on(const std::vector<int>& free_per_domain,
                                                     int pool, int gpus) const {
  return find_placement(fleet_, topology_ ? &*topology_ : nullptr, free_per_domain, pool, gpus,
                        whole_domains_);
}

void SchedulerCore::add_free(int domain, int gpus) {
  const int before = free_per_domain_[domain];
  free_per_domain_[domain] += gpus;
  domains_by_free_->changed(domain, before, free_per_domain_[domain]);
}

void SchedulerCore::take(const Placement& placement) {
  for (const auto& part : placement.parts) add_free(part.domain, -part.gpus);
  free_per_pool_[placement.pool] -= placement.gpus();
}

void SchedulerCore::give_back(const Placement& placement) {
  for (const auto& part : placement.parts) add_free(part.domain, part.gpus);
  free_per_pool_[placement.pool] += placement.gpus();
}

bool SchedulerCore::start_training(int job, int pool) {
  if (generation_on(job, pool) < 0) return false;
  const auto placement = placement_for(pool, workload_.training[job].gpus);
  return placement && start_training_at(job, *placement);
}

bool SchedulerCore::start_training_at(int job, const Placement& placement) {
  const int generation = generation_on(job, placement.pool);
  if (generation < 0 || placement.gpus() != workload_.training[job].gpus) return false;
  for (const auto& part : placement.parts)
    if (free_per_domain_[part.domain] < part.gpus) return false;  // planned on an older state
  dequeue(job);
  take(placement);
  training_placement_[job] = placement;
  started_at_[job] = now_;
  add_running(job);
  note(DecisionAction::kStart, job, placement.pool, placement.gpus());
  actions_.push_back(StartTraining{job, generation, placement});
  return true;
}

void SchedulerCore::wake_at(double t) {
  // Times already passed are forgotten, so that a later request for them is not mistaken
  // for a duplicate.
  wakeups_.erase(wakeups_.begin(), wakeups_.upper_bound(now_));
  if (t > now_ && wakeups_.insert(t).second) new_wakeups_.push_back(t);
}

double SchedulerCore::compute_time_s(int job, int pool) const {
  const auto& spec = workload_.training[job];
  const int generation = generation_on(job, pool);
  if (generation < 0) return std::numeric_limits<double>::infinity();
  return spec.work_flops /
         (spec.gpus * fleet_.pools[pool].peak_flops_per_gpu * spec.generations[generation].mfu);
}

double SchedulerCore::planned_runtime_s(int job, int pool) const {
  if (generation_on(job, pool) < 0) return std::numeric_limits<double>::infinity();
  if (planning_ == RuntimePlanning::kWalltime && workload_.training[job].walltime_s > 0)
    return run_limit_s(job, pool);
  return compute_time_s(job, pool);
}

double SchedulerCore::run_limit_s(int job, int pool) const {
  const auto& spec = workload_.training[job];
  const int here = generation_on(job, pool);
  if (spec.walltime_s <= 0 || here < 0) return 0;
  // The first of the job's pools in its order of preference runs its first generation present.
  const int first_pool = job_pools_[job].front();
  const double first = fleet_.pools[first_pool].peak_flops_per_gpu *
                       spec.generations[generation_on(job, first_pool)].mfu;
  const double speed = fleet_.pools[pool].peak_flops_per_gpu * spec.generations[here].mfu;
  return spec.walltime_s * std::max(1.0, first / speed);
}

void SchedulerCore::preempt_training(int job, double restart_delay_s) {
  if (decisions_)
    note(DecisionAction::kPreempt, job, training_placement_[job]->pool,
         training_placement_[job]->gpus());
  release_training(job);
  enqueue(job, true);
  actions_.push_back(PreemptTraining{job, restart_delay_s});
}

void SchedulerCore::kill_training(int job) {
  if (decisions_)
    note(DecisionAction::kKill, job, training_placement_[job]->pool,
         training_placement_[job]->gpus());
  release_training(job);
  actions_.push_back(KillTraining{job});
}

std::vector<SchedulerCore::Holder> SchedulerCore::holders_of(int domain) const {
  std::vector<Holder> holders;
  auto add = [&](Holder::Kind kind, int id, const Placement& placement) {
    for (const auto& part : placement.parts)
      if (part.domain == domain) holders.push_back({kind, id, part.gpus});
  };
  for (int job : running_) add(Holder::kTraining, job, *training_placement_[job]);
  // The active replicas on this domain in id order, as a walk of every replica ever started
  // gave them: that walk grew with the run, and with a failure a second (--failure-rate 100)
  // made a run's time quadratic in its horizon. A replica sits on one domain.
  std::vector<int> here;
  for (const auto& active : active_by_service_)
    for (int r : active)
      if (replicas_[r].placement.parts.front().domain == domain) here.push_back(r);
  std::sort(here.begin(), here.end());
  for (int r : here) add(Holder::kReplica, r, replicas_[r].placement);
  for (size_t l = 0; l < lease_placement_.size(); ++l)
    if (lease_placement_[l]) add(Holder::kLease, static_cast<int>(l), *lease_placement_[l]);
  for (size_t c = 0; c < contract_placements_.size(); ++c)
    for (const auto& placement : contract_placements_[c])
      add(Holder::kContract, static_cast<int>(c), placement);
  return holders;
}

void SchedulerCore::interrupt_training(int job, double restart_delay_s) {
  const DecisionScope failure(*this, DecisionPart::kCore, DecisionReason::kFailure);
  preempt_training(job, restart_delay_s);
  std::get<PreemptTraining>(actions_.back()).failure = true;
}

void SchedulerCore::take_down(int domain, int gpus) {
  if (gpus > free_per_domain_[domain]) throw std::logic_error("take_down: GPUs are not free");
  const int pool = fleet_.domains[domain].pool;
  add_free(domain, -gpus);
  free_per_pool_[pool] -= gpus;
  down_per_pool_[pool] += gpus;
}

void SchedulerCore::bring_up(int domain, int gpus) {
  const int pool = fleet_.domains[domain].pool;
  add_free(domain, gpus);
  free_per_pool_[pool] += gpus;
  down_per_pool_[pool] -= gpus;
}

bool SchedulerCore::accept_lease(int lease, int pool) {
  const auto& spec = workload_.leases[lease];
  if (fleet_.pools[pool].gpu_model != spec.model) return false;
  const auto pending = std::find(pending_leases_.begin(), pending_leases_.end(), lease);
  if (pending == pending_leases_.end()) return false;  // accepted already, or never requested
  auto placement = placement_for(pool, spec.gpus);
  if (!placement) return false;
  pending_leases_.erase(pending);
  take(*placement);
  lease_placement_[lease] = placement;
  note(DecisionAction::kAcceptLease, lease, pool, spec.gpus);
  actions_.push_back(StartLease{lease, *placement});
  return true;
}

void SchedulerCore::reclaim_lease(int lease) {
  if (!lease_placement_[lease]) throw std::logic_error("reclaim_lease: lease is not running");
  note(DecisionAction::kReclaimLease, lease, lease_placement_[lease]->pool,
       lease_placement_[lease]->gpus());
  give_back(*lease_placement_[lease]);
  lease_placement_[lease].reset();
  actions_.push_back(ReclaimLease{lease});
}

void SchedulerCore::reject_lease(int lease) {
  const auto pending = std::find(pending_leases_.begin(), pending_leases_.end(), lease);
  // Erasing end() would be undefined: a policy deciding a lease twice is a bug in the policy.
  if (pending == pending_leases_.end())
    throw std::logic_error("reject_lease: lease is not pending");
  pending_leases_.erase(pending);
  note(DecisionAction::kRejectLease, lease, -1, workload_.leases[lease].gpus);
  actions_.push_back(RejectLease{lease});
}

double SchedulerCore::replica_throughput(int service, int pool) const {
  for (const auto& g : workload_.inference[service].generations)
    if (g.model == fleet_.pools[pool].gpu_model) return g.throughput;
  return 0;
}

bool SchedulerCore::add_replica(int service, int pool) {
  const double throughput = replica_throughput(service, pool);
  if (throughput <= 0) return false;
  auto placement = placement_for(pool, workload_.inference[service].gpus_per_replica);
  if (!placement || placement->domains() != 1) return false;
  take(*placement);
  const int id = static_cast<int>(replicas_.size());
  const double ready = now_ > 0 ? now_ + workload_.inference[service].cold_start_s() : now_;
  replicas_.push_back({service, *placement, true, ready});
  active_by_service_[service].push_back(id);
  provisioned_[service] += throughput;
  if (ready > now_) {
    loading_.push_back(id);
    wake_at(ready);
  } else {
    capacity_[service] += throughput;
    capacity_by_pool_[service][pool] += throughput;
  }
  replica_gpus_[pool] += placement->gpus();
  note(DecisionAction::kScaleUp, service, pool, placement->gpus(), id);
  actions_.push_back(StartReplica{id, service, *placement, ready});
  return true;
}

void SchedulerCore::serve_loaded_replicas() {
  // The same tolerance as the simulation's event times.
  const auto loaded = [&](int id) { return replicas_[id].ready_s <= now_ + 1e-9; };
  for (int id : loading_)
    if (loaded(id)) {
      const auto& r = replicas_[id];
      const double throughput = replica_throughput(r.service, r.placement.pool);
      capacity_[r.service] += throughput;
      capacity_by_pool_[r.service][r.placement.pool] += throughput;
    }
  std::erase_if(loading_, loaded);
}

void SchedulerCore::remove_replica(int replica, ReplicaStop reason) {
  auto& r = replicas_[replica];
  if (!r.active) return;
  const bool failed = reason == ReplicaStop::kFailure;
  const DecisionScope why(*this, failed ? DecisionPart::kCore : part_,
                          failed ? DecisionReason::kFailure : reason_);
  note(DecisionAction::kScaleDown, r.service, r.placement.pool, r.placement.gpus(), replica);
  r.active = false;
  give_back(r.placement);
  replica_gpus_[r.placement.pool] -= r.placement.gpus();
  auto& active = active_by_service_[r.service];
  active.erase(std::find(active.begin(), active.end(), replica));
  const double throughput = replica_throughput(r.service, r.placement.pool);
  provisioned_[r.service] -= throughput;
  const auto loading = std::find(loading_.begin(), loading_.end(), replica);
  if (loading != loading_.end()) {
    loading_.erase(loading);
  } else {
    capacity_[r.service] -= throughput;
    capacity_by_pool_[r.service][r.placement.pool] -= throughput;
  }
  actions_.push_back(StopReplica{replica, reason});
}

void SchedulerCore::scale_to(int service, PoolRole role, double need) {
  const auto& spec = workload_.inference[service];
  // Grow: the first eligible generation with room, in the service's order of preference.
  const DecisionScope why(*this, DecisionReason::kDemandRise);
  while (provisioned_[service] < need) {
    bool added = false;
    for (const auto& g : spec.generations) {
      if (g.latency_s > spec.latency_target_s) continue;
      for (int pool : pools_of_model(g.model))
        if (fleet_.pools[pool].role == role && add_replica(service, pool)) {
          added = true;
          break;
        }
      if (added) break;
    }
    if (!added) break;
  }
  // Shrink: drop the newest replicas that the target no longer needs. Most calls find nothing to
  // drop, so skip the walk when even the smallest replica is still needed.
  double smallest = provisioned_[service];
  for (const auto& g : spec.generations) smallest = std::min(smallest, g.throughput);
  if (provisioned_[service] - smallest < need) return;
  const DecisionScope shrink(*this, DecisionReason::kDemandFall);
  auto& active = active_by_service_[service];
  for (size_t i = active.size(); i-- > 0;) {
    const int id = active[i];
    const double throughput = replica_throughput(service, replicas_[id].placement.pool);
    if (provisioned_[service] - throughput >= need) remove_replica(id);
  }
}

}  // namespace gpufleet

namespace gpufleet {

namespace {

std::string quoted(const std::string& name) {
  return "'" + name + "'";
}

// Why a lease is not pending; empty if it is.
std::string not_pending(const std::vector<int>& pending, bool running, int lease) {
  if (std::find(pending.begin(), pending.end(), lease) != pending.end()) return "";
  return running ? "it is not pending (it was accepted and runs)"
                 : "it is not pending (not requested yet, or already decided)";
}

}  // namespace

std::string SchedulerCore::why_no_room(int pool, int gpus) const {
  if (free_per_pool_[pool] < gpus)
    return "it needs " + std::to_string(gpus) + " GPUs and the pool has " +
           std::to_string(free_per_pool_[pool]) + " free";
  if (!placement_for(pool, gpus))
    return "the pool's " + std::to_string(free_per_pool_[pool]) +
           " free GPUs hold no placement of its " + std::to_string(gpus) +
           " (its domains are too fragmented for the placement rule)";
  return "";
}

std::string SchedulerCore::why_cannot_start(int job, int pool) const {
  const TrainingJob& spec = workload_.training[job];
  const Pool& p = fleet_.pools[pool];
  // Built only for a refusal: policies ask this for every pool they try.
  const auto refused = [&](const std::string& why) {
    return "job " + quoted(spec.id) + " cannot start on pool " + quoted(p.name) + ": " + why;
  };
  if (!waiting_.contains(job))
    return refused(std::string("it is not waiting (") +
                   (training_placement_[job] ? "it is running)" : "not released yet, or done)"));
  if (generation_on(job, pool) < 0)
    return refused("it may not run on " + p.gpu_model + " GPUs (not among its generations)");
  const std::string why = why_no_room(pool, spec.gpus);
  return why.empty() ? why : refused(why);
}

std::string SchedulerCore::why_cannot_preempt(int job) const {
  if (training_placement_[job]) return "";
  return "job " + quoted(workload_.training[job].id) + " cannot be preempted: it is not running";
}

// The same for replicas and leases: each asks only what the action checks, in the same order,
// plus what it assumes (a lease is decided once).
std::string SchedulerCore::why_cannot_add_replica(int service, int pool) const {
  const InferenceService& spec = workload_.inference[service];
  const Pool& p = fleet_.pools[pool];
  const auto refused = [&](const std::string& why) {
    return "service " + quoted(spec.id) + " cannot add a replica on pool " + quoted(p.name) + ": " +
           why;
  };
  if (replica_throughput(service, pool) <= 0)
    return refused("it may not run on " + p.gpu_model + " GPUs (not among its generations)");
  const int gpus = spec.gpus_per_replica;
  if (free_per_pool_[pool] < gpus)
    return refused("a replica needs " + std::to_string(gpus) + " GPUs and the pool has " +
                   std::to_string(free_per_pool_[pool]) + " free");
  const auto placement = placement_for(pool, gpus);
  if (!placement || placement->domains() != 1)
    return refused("no domain of the pool has " + std::to_string(gpus) +
                   " free GPUs (a replica runs within one domain)");
  return "";
}

std::string SchedulerCore::why_cannot_remove_replica(int replica) const {
  if (replicas_[replica].active) return "";
  return "replica " + std::to_string(replica) + " of service " +
         quoted(workload_.inference[replicas_[replica].service].id) +
         " cannot be removed: it has stopped";
}

std::string SchedulerCore::why_cannot_accept_lease(int lease, int pool) const {
  const LeaseRequest& spec = workload_.leases[lease];
  const Pool& p = fleet_.pools[pool];
  const auto refused = [&](const std::string& why) {
    return "lease " + quoted(spec.id) + " cannot be accepted on pool " + quoted(p.name) + ": " +
           why;
  };
  if (std::string why = not_pending(pending_leases_, lease_placement_[lease].has_value(), lease);
      !why.empty())
    return refused(why);
  if (p.gpu_model != spec.model)
    return refused("it asks for " + spec.model + " GPUs and the pool has " + p.gpu_model);
  const std::string why = why_no_room(pool, spec.gpus);
  return why.empty() ? why : refused(why);
}

std::string SchedulerCore::why_cannot_reject_lease(int lease) const {
  const std::string why = not_pending(pending_leases_, lease_placement_[lease].has_value(), lease);
  return why.empty()
             ? why
             : "lease " + quoted(workload_.leases[lease].id) + " cannot be rejected: " + why;
}

std::string SchedulerCore::why_cannot_reclaim_lease(int lease) const {
  if (lease_placement_[lease]) return "";
  return "lease " + quoted(workload_.leases[lease].id) +
         " cannot be reclaimed: it is not running (pending, refused, ended or reclaimed)";
}

}  // namespace gpufleet
