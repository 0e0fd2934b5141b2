#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

namespace {

// Most GPUs a count may reach: the bound of every GPU figure of a workload or fleet.
constexpr int kMaxGpus = 1'000'000'000;

// Replicas of `throughput` units/s that cover `units` units/s, at most `cap`. Compared as
// doubles first: a tiny throughput makes the quotient too large for an int (undefined, UBSan).
int replicas_for(double units, double throughput, int cap) {
  const double n = std::ceil(units / throughput);
  if (!(n < cap)) return cap;
  return n > 0 ? static_cast<int>(n) : 0;
}

}  // namespace

IdleLeasing::IdleLeasing(double headroom, double notice_s, bool follow_demand,
                         double headroom_quantile, double scale_down_window_s)
    : headroom_(headroom),
      notice_s_(notice_s),
      follow_demand_(follow_demand),
      headroom_quantile_(headroom_quantile),
      window_s_(scale_down_window_s) {}

double IdleLeasing::headroom(int service, const DemandForecaster& forecaster) const {
  if (headroom_quantile_ <= 0) return headroom_;
  return std::max(headroom_, forecaster.error_quantile(service, headroom_quantile_));
}

void IdleLeasing::index_models(const SchedulerCore& core) {
  std::map<std::string, int> models;
  for (const auto& pool : core.fleet().pools) {
    const auto [it, added] = models.emplace(pool.gpu_model, static_cast<int>(models.size()));
    model_of_pool_.push_back(it->second);
    if (added) {
      inference_pools_of_model_.emplace_back();
      inference_gpus_of_model_.push_back(0);
    }
    if (pool.role == PoolRole::kInference) {
      inference_pools_of_model_[it->second].push_back(static_cast<int>(model_of_pool_.size()) - 1);
      inference_gpus_of_model_[it->second] += pool.gpus();
    }
  }
  // Per service, the model of each generation it may use on inference pools (-1: none).
  for (const auto& service : core.workload().inference) {
    std::vector<int> of_generation;
    for (const auto& g : service.generations) {
      const auto it = models.find(g.model);
      const bool usable = g.latency_s <= service.latency_target_s && it != models.end() &&
                          !inference_pools_of_model_[it->second].empty();
      of_generation.push_back(usable ? it->second : -1);
    }
    model_of_generation_.push_back(std::move(of_generation));
  }
  reserved_.assign(models.size(), 0);
  held_.assign(models.size(), 0);
  recent_targets_.assign(core.workload().inference.size(), {});
}

// GPUs of each model that inference may need at its peak x (1 + headroom): each service on
// its eligible generations in its order of preference, as the core's scale_to places replicas.
// The peak is the forecaster's: it grows as higher demand is seen. Called on every pass: models
// by index, no names compared.
void IdleLeasing::reserve_for_peaks(const SchedulerCore& core, const DemandForecaster& forecaster) {
  std::fill(reserved_.begin(), reserved_.end(), 0);
  std::vector<int> room = inference_gpus_of_model_;
  const auto& services = core.workload().inference;
  for (int s = 0; s < static_cast<int>(services.size()); ++s) {
    const auto& service = services[s];
    double left = forecaster.peak(s) * (1 + headroom(s, forecaster));
    for (size_t g = 0; g < service.generations.size() && left > 0; ++g) {
      const int model = model_of_generation_[s][g];
      if (model < 0) continue;
      const double throughput = service.generations[g].throughput;
      const int replicas = replicas_for(left, throughput, room[model] / service.gpus_per_replica);
      const int gpus = replicas * service.gpus_per_replica;
      reserved_[model] += gpus;
      room[model] -= gpus;
      left -= replicas * throughput;
    }
  }
}

void IdleLeasing::count_inference_held(const SchedulerCore& core) {
  std::fill(held_.begin(), held_.end(), 0);
  for (size_t p = 0; p < model_of_pool_.size(); ++p)
    held_[model_of_pool_[p]] += core.replica_gpus(static_cast<int>(p));
}

int IdleLeasing::spare_gpus(const SchedulerCore& core, int pool) const {
  // What the peak reserve still lacks on this model is kept free for inference.
  const int model = model_of_pool_[pool];
  const int keep = std::max(0, reserved_[model] - held_[model]);
  int model_free = 0;  // on inference pools: idle training GPUs cover no inference peak
  for (int p : inference_pools_of_model_[model]) model_free += core.free_gpus(p);
  return std::max(0, std::min(core.free_gpus(pool), model_free - keep));
}

void IdleLeasing::apply(SchedulerCore& core, const DemandForecaster& forecaster) {
  if (!indexed_) {
    index_models(core);
    indexed_ = true;
  }
  reserve_for_peaks(core, forecaster);
  reclaim_when_due(core);
  const auto missing = scale_inference(core, forecaster);
  give_notice(core, missing);
  if (notice_s_ == 0 && !missing.empty()) {  // no notice: the GPUs come back at once
    reclaim_when_due(core);
    scale_inference(core, forecaster);
  }
  count_inference_held(core);  // replicas do not change again in this call
  decide_requests(core);
}

void IdleLeasing::reclaim_when_due(SchedulerCore& core) {
  for (auto it = notice_ends_.begin(); it != notice_ends_.end();) {
    if (it->second > core.now() + 1e-9) {
      ++it;
      continue;
    }
    if (core.lease_placement(it->first)) {
      const DecisionScope why(core, DecisionReason::kNoticeEnded);
      core.reclaim_lease(it->first);
    }
    it = notice_ends_.erase(it);
  }
}

// Scale-down stabilization, as Kubernetes' HPA does it: replicas are scaled to the highest target
// of the last window, so one is released only once the target has stayed at or below what the
// others serve for the whole window, while a higher target starts replicas at once. The window
// is at least the service's cold start: capacity released sooner than it can be restored costs
// a load for nothing (and a replica started for a target is kept a window after that target was
// last seen, so it serves before it can be released).
double IdleLeasing::stabilized(SchedulerCore& core, int service, double target) {
  const double now = core.now();
  const double window = std::max(window_s_, core.workload().inference[service].cold_start_s());
  auto& seen = recent_targets_[service];
  if (seen.empty() || seen.back().value != target) {
    if (!seen.empty()) seen.back().until = now;
    // A target at or below a later one never decides the highest of any window again.
    while (!seen.empty() && seen.back().value <= target) seen.pop_back();
    seen.push_back({target, std::numeric_limits<double>::infinity()});
  }
  // Targets replaced before the window began are out of it (the newest never is).
  while (seen.front().until <= now - window + 1e-9) seen.pop_front();
  if (seen.size() > 1) core.wake_at(seen.front().until + window);  // when the highest leaves
  return seen.front().value;
}

std::map<std::string, int> IdleLeasing::scale_inference(SchedulerCore& core,
                                                        const DemandForecaster& forecaster) {
  // Following demand, replicas look one notice period ahead so that a reclaimed lease's GPUs
  // are back when the demand arrives.
  std::map<std::string, int> missing;  // GPUs by model that the targets could not get
  const auto& services = core.workload().inference;
  for (int s = 0; s < static_cast<int>(services.size()); ++s) {
    const auto& service = services[s];
    // A reclaimed lease's GPUs come back after its notice, and a replica started on them
    // serves after its cold start.
    const double ahead_s = notice_s_ + service.cold_start_s();
    const double target =
        follow_demand_ ? forecaster.forecast(s, core.now(), ahead_s) * (1 + headroom(s, forecaster))
                       : forecaster.peak(s);
    core.scale_to(s, PoolRole::kInference, follow_demand_ ? stabilized(core, s, target) : target);
    if (follow_demand_) {
      // The forecast looks ahead; be called when its window reaches the next change.
      const double change = forecaster.next_change(s, core.now(), ahead_s);
      if (std::isfinite(change)) core.wake_at(change);
    }
    const double short_by = target - core.provisioned(s);
    if (short_by <= 0) continue;
    for (size_t k = 0; k < service.generations.size(); ++k)
      if (const auto& g = service.generations[k]; model_of_generation_[s][k] >= 0) {
        const long gpus = static_cast<long>(replicas_for(short_by, g.throughput,
                                                         kMaxGpus / service.gpus_per_replica)) *
                          service.gpus_per_replica;
        missing[g.model] = static_cast<int>(std::min<long>(kMaxGpus, missing[g.model] + gpus));
        break;
      }
  }
  return missing;
}

void IdleLeasing::give_notice(SchedulerCore& core, const std::map<std::string, int>& missing) {
  for (const auto& [model, gpus] : missing) {
    int coming_back = 0;  // GPUs of this model under notice (and not ended meanwhile)
    for (const auto& [lease, when] : notice_ends_)
      if (core.workload().leases[lease].model == model && core.lease_placement(lease))
        coming_back += core.workload().leases[lease].gpus;
    // The newest preemptible leases go first: they have earned the least.
    for (auto it = preemptible_.rbegin(); it != preemptible_.rend() && coming_back < gpus; ++it) {
      const auto& lease = core.workload().leases[*it];
      if (lease.model != model || notice_ends_.count(*it) || !core.lease_placement(*it)) continue;
      notice_ends_[*it] = core.now() + notice_s_;
      core.wake_at(core.now() + notice_s_);
      coming_back += lease.gpus;
    }
  }
}

void IdleLeasing::decide_requests(SchedulerCore& core) {
  claimed_by_training_.resize(core.fleet().pools.size(), false);
  for (size_t p = 0; p < claimed_by_training_.size(); ++p)  // a claim ends with its notices
    claimed_by_training_[p] =
        claimed_by_training_[p] && preemptible_gpus_on(core, static_cast<int>(p), true) > 0;
  const std::vector<int> pending = core.pending_leases();  // a copy: deciding edits it
  for (int id : pending) {
    const auto& lease = core.workload().leases[id];
    bool accepted = false;
    for (int pool : core.pools_of_model(lease.model)) {
      if (core.fleet().pools[pool].role != PoolRole::kInference) continue;
      // On-demand leases keep their GPUs for their whole term: only GPUs above the peak
      // reserve. Preemptible ones may use what is idle now; they are reclaimed when needed.
      const int usable = lease.preemptible ? (claimed_by_training_[pool] ? 0 : core.free_gpus(pool))
                                           : spare_gpus(core, pool);
      const DecisionScope why(core, DecisionReason::kLeaseIdleHeadroom);
      if ((usable >= lease.gpus || (!lease.preemptible && preempt_training_for(core, id, pool))) &&
          core.accept_lease(id, pool)) {
        accepted = true;
        if (lease.preemptible) preemptible_.push_back(id);
        break;
      }
    }
    if (!accepted) {
      const DecisionScope why(core, DecisionReason::kNoSpareGpus);
      core.reject_lease(id);
    }
  }
}

// An on-demand lease that outranks training preempts the training running on the pool (the
// latest started first: the least work since a checkpoint at stake) if that makes room above
// the peak reserve. True if it did.
bool IdleLeasing::preempt_training_for(SchedulerCore& core, int lease, int pool) {
  if (!ranks_.enabled || ranks_.ondemand_lease <= ranks_.training) return false;
  std::vector<int> victims;
  for (int job : core.running_training())
    if (core.placement_of(job)->pool == pool) victims.push_back(job);
  std::stable_sort(victims.begin(), victims.end(),
                   [&](int a, int b) { return core.started_at(a) > core.started_at(b); });
  // A freed GPU is spare: the reserve counts replicas, which training never displaced.
  const int needed = core.workload().leases[lease].gpus;
  int freed = 0;
  size_t take = 0;
  while (take < victims.size() && spare_gpus(core, pool) + freed < needed)
    freed += core.workload().training[victims[take++]].gpus;
  if (spare_gpus(core, pool) + freed < needed) return false;
  const DecisionScope why(core, DecisionReason::kLeaseOutranksTraining);
  for (size_t v = 0; v < take; ++v) core.preempt_training(victims[v], ranks_.restart_delay_s);
  return spare_gpus(core, pool) >= needed;
}

int IdleLeasing::preemptible_gpus_on(const SchedulerCore& core, int pool, bool under_notice) const {
  int gpus = 0;
  for (int id : preemptible_) {
    const auto& placement = core.lease_placement(id);
    if (placement && placement->pool == pool && notice_ends_.count(id) == (under_notice ? 1u : 0u))
      gpus += core.workload().leases[id].gpus;
  }
  return gpus;
}

bool IdleLeasing::claim_for_training(SchedulerCore& core,
                                     const std::function<bool(int job, int pool)>& may_run) {
  if (!ranks_.enabled || ranks_.training <= ranks_.preemptible_lease) return false;
  const size_t pools = core.fleet().pools.size();
  claimed_by_training_.resize(pools, false);
  // Per pool, what no job changes in this loop: preemptible leases not under notice, and
  // spare GPUs. A pool with no such lease can be claimed by no job: most passes end here.
  std::vector<int> leased(pools, 0), spare(pools, 0);
  bool claimable = false;
  for (size_t p = 0; p < pools; ++p) {
    if (core.fleet().pools[p].role != PoolRole::kInference || claimed_by_training_[p]) continue;
    leased[p] = preemptible_gpus_on(core, static_cast<int>(p), false);
    spare[p] = spare_gpus(core, static_cast<int>(p));
    claimable = claimable || leased[p] > 0;
  }
  if (!claimable) return false;
  // One claim at a time: the first waiting job that needs one gets it.
  for (int job : core.waiting_training()) {
    const int gpus = core.workload().training[job].gpus;
    for (int pool : core.job_pools(job)) {
      if (core.fleet().pools[pool].role != PoolRole::kInference || claimed_by_training_[pool] ||
          spare[pool] >= gpus || leased[pool] == 0 || spare[pool] + leased[pool] < gpus ||
          !may_run(job, pool))
        continue;
      int coming_back = spare[pool];
      for (auto it = preemptible_.rbegin(); it != preemptible_.rend() && coming_back < gpus; ++it) {
        const auto& placement = core.lease_placement(*it);
        if (!placement || placement->pool != pool || notice_ends_.count(*it)) continue;
        notice_ends_[*it] = core.now() + notice_s_;
        coming_back += core.workload().leases[*it].gpus;
      }
      claimed_by_training_[pool] = true;
      if (notice_s_ > 0) {
        core.wake_at(core.now() + notice_s_);
        return false;
      }
      reclaim_when_due(core);
      return true;
    }
  }
  return false;
}

}  // namespace gpufleet
