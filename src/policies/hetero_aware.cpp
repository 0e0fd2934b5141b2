#include <algorithm>
#include <cmath>
#include <limits>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

namespace {

// Useful FLOP/s one GPU of the pool gives the job: a cell of Gavel's throughput matrix
// (job x generation); 0 where the job may not run.
double rate(const SchedulerCore& core, int job, int pool) {
  const int generation = core.generation_on(job, pool);
  if (generation < 0) return 0;
  return core.workload().training[job].generations[generation].mfu *
         core.fleet().pools[pool].peak_flops_per_gpu;
}

struct JobRates {
  double best = 0;     // on its fastest generation in the fleet
  double slowest = 0;  // on its slowest one
};

JobRates rates_of(const SchedulerCore& core, int job) {
  JobRates r{0, std::numeric_limits<double>::infinity()};
  for (int pool : core.job_pools(job)) {
    r.best = std::max(r.best, rate(core, job, pool));
    r.slowest = std::min(r.slowest, rate(core, job, pool));
  }
  return r;
}

}  // namespace

HeteroAware::HeteroAware(double fair_wait_s, double min_share, bool use_inference_pools)
    : fair_wait_s_(fair_wait_s), min_share_(min_share), use_inference_pools_(use_inference_pools) {}

bool HeteroAware::may_use(const SchedulerCore& core, int job, int pool,
                          const std::function<int(int pool)>& usable_gpus) const {
  const auto& p = core.fleet().pools[pool];
  const auto& spec = core.workload().training[job];
  if (p.role == PoolRole::kInference &&
      (!use_inference_pools_ || usable_gpus(pool) < spec.gpus || !training_state_fits(spec, p)))
    return false;
  return core.free_gpus(pool) >= spec.gpus &&
         rate(core, job, pool) >= min_share_ * rates_of(core, job).best;
}

int HeteroAware::start_overdue(SchedulerCore& core,
                               const std::function<int(int pool)>& usable_gpus) {
  // The queue is read from its head only up to the first overdue job that finds no room (most
  // passes: the head); when to wake next comes from the core's index of submission times.
  const double next_due = core.next_wait_crossing(fair_wait_s_);
  if (std::isfinite(next_due)) core.wake_at(next_due);
  if (!core.any_waited(fair_wait_s_)) return -1;
  const auto& queue = core.waiting_training();
  for (auto it = queue.begin(); it != queue.end();) {
    const int job = *it++;  // before starting the job takes it out of the queue
    if (core.workload().training[job].submit_s + fair_wait_s_ > core.now() + 1e-9) continue;
    // Its fastest pool with room: an overdue job is past trading speed for others' gain.
    std::vector<int> pools = core.job_pools(job);
    std::stable_sort(pools.begin(), pools.end(),
                     [&](int a, int b) { return rate(core, job, a) > rate(core, job, b); });
    bool started = false;
    for (int pool : pools)
      if (may_use(core, job, pool, usable_gpus) && core.start_training(job, pool)) {
        started = true;
        break;
      }
    if (!started) return job;
  }
  return -1;
}

void HeteroAware::apply(SchedulerCore& core, const std::function<int(int pool)>& usable_gpus) {
  // An overdue job that found no room is the head of the queue (every older job is overdue
  // too and has started): it holds an EASY reservation on its training pools, which only
  // backfilling may use; the other pools are shared out below.
  const int head = [&] {
    const DecisionScope why(core, DecisionReason::kOverdue);
    return start_overdue(core, usable_gpus);
  }();
  std::vector<bool> reserved(core.fleet().pools.size(), false);
  if (head >= 0) {
    const DecisionScope why(core, DecisionReason::kBackfillShadowOk);
    backfill_training(core, PoolRole::kTraining);
    for (int pool : core.job_pools(head))
      reserved[pool] = core.fleet().pools[pool].role == PoolRole::kTraining;
  }
  // Fastest generation first; each pool goes to the jobs that gain the most from it relative
  // to their slowest generation, so that jobs that gain little are the ones left for older
  // GPUs. Ties keep arrival order.
  const auto& fleet = core.fleet();
  std::vector<int> pools(fleet.pools.size());
  for (size_t p = 0; p < pools.size(); ++p) pools[p] = static_cast<int>(p);
  std::stable_sort(pools.begin(), pools.end(), [&](int a, int b) {
    return fleet.pools[a].peak_flops_per_gpu > fleet.pools[b].peak_flops_per_gpu;
  });
  for (int pool : pools)
    if (!reserved[pool]) share_out(core, pool, usable_gpus);
}

void HeteroAware::share_out(SchedulerCore& core, int pool,
                            const std::function<int(int pool)>& usable_gpus) {
  // Best speedup first; among equal gains the larger job first, as it is the hardest to place
  // later and small jobs fill what it leaves; then arrival order: the core's runs come in that
  // order. The jobs that may use the pool are those that did when the pool's turn came (its
  // free GPUs and offer then); each starts if it still fits. Free GPUs only shrink here, so a
  // run of jobs larger than them is skipped whole, and the queue is not read past the jobs
  // that fit.
  const auto& p = core.fleet().pools[pool];
  const bool inference = p.role == PoolRole::kInference;
  if (inference && !use_inference_pools_) return;
  int offered = core.free_gpus(pool);
  if (inference && offered > 0) offered = std::min(offered, usable_gpus(pool));
  const auto& runs = core.waiting_by_speedup(pool);
  for (auto run = runs.begin(); run != runs.end();) {
    const int gpus = -run->first.second;
    const auto& jobs = (run++)->second;  // starting its last job erases the run
    if (gpus > offered) continue;
    for (auto it = jobs.begin(); core.free_gpus(pool) >= gpus;) {
      const int job = it->second;
      const bool last = ++it == jobs.end();  // starting the run's last job erases the run
      const auto& spec = core.workload().training[job];
      if ((!inference || training_state_fits(spec, p)) &&
          rate(core, job, pool) >= min_share_ * rates_of(core, job).best)
        core.start_training(job, pool);
      if (last) break;
    }
  }
}

}  // namespace gpufleet
