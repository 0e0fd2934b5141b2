// The `slurm` training order: Slurm's multifactor priority with classic fair-share, then EASY
// backfilling in priority order (docs/policies.md, "slurm").
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <tuple>

#include "policies/backfill.hpp"
#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

std::vector<double> classic_fair_share(const std::vector<ShareNode>& tree) {
  const size_t n = tree.size();
  std::vector<double> usage(n), sibling_shares(n, 0.0);
  for (size_t i = 0; i < n; ++i) usage[i] = tree[i].usage;
  // Children come after their parents: sums run from the leaves up.
  for (size_t i = n; i-- > 1;) {
    usage[tree[i].parent] += usage[i];
    sibling_shares[tree[i].parent] += tree[i].shares;
  }
  const double total = n > 0 ? usage[0] : 0;
  std::vector<double> shares(n, 1.0), effective(n, 0.0), factor(n, 1.0);
  for (size_t i = 1; i < n; ++i) {
    const int parent = tree[i].parent;
    const double of_siblings =
        sibling_shares[parent] > 0 ? tree[i].shares / sibling_shares[parent] : 0;
    const double actual = total > 0 ? usage[i] / total : 0;
    shares[i] = shares[parent] * of_siblings;
    effective[i] = parent == 0 ? actual : actual + (effective[parent] - actual) * of_siblings;
    factor[i] = shares[i] > 0 ? std::exp2(-effective[i] / shares[i]) : 0;
  }
  return factor;
}

bool MultifactorPriority::Entry::operator<(const Entry& o) const {
  return std::tie(o.priority, submit_s, job) < std::tie(priority, o.submit_s, o.job);
}

namespace {

// The sorted entries and those added since, read as one list in priority order.
class InOrder {
 public:
  using Entry = MultifactorPriority::Entry;
  InOrder(const std::vector<Entry>& sorted, const std::set<Entry>& added)
      : sorted_(sorted), added_(added), next_added_(added.begin()) {}
  const Entry* next() {
    const bool sorted_left = next_sorted_ < sorted_.size();
    if (!sorted_left && next_added_ == added_.end()) return nullptr;
    if (sorted_left && (next_added_ == added_.end() || sorted_[next_sorted_] < *next_added_))
      return &sorted_[next_sorted_++];
    return &*next_added_++;
  }

 private:
  const std::vector<Entry>& sorted_;
  const std::set<Entry>& added_;
  size_t next_sorted_ = 0;
  std::set<Entry>::const_iterator next_added_;
};

// Whether some waiting job fits the free GPUs of some pool of the role: most passes come
// with full pools, and then nothing needs sorting.
bool some_job_fits(const SchedulerCore& core, PoolRole role) {
  for (size_t p = 0; p < core.fleet().pools.size(); ++p)
    if (core.fleet().pools[p].role == role &&
        core.smallest_waiting_gpus(static_cast<int>(p)) <= core.free_gpus(static_cast<int>(p)))
      return true;
  return false;
}

}  // namespace

void MultifactorPriority::apply(SchedulerCore& core, PoolRole role) {
  if (!started_) start(core, role);
  release_new_jobs(core);
  if (core.now() >= next_calc_s_) recalculate(core);
  if (core.waiting_training().empty() || !some_job_fits(core, role_)) return;
  if (!sorted_) sort_waiting(core);
  start_in_order(core);
}

void MultifactorPriority::start(const SchedulerCore& core, PoolRole role) {
  started_ = true;
  role_ = role;
  const auto& jobs = core.workload().training;
  for (const auto& pool : core.fleet().pools)
    if (pool.role == role) role_gpus_ += pool.gpus();
  if (!jobs.empty()) {
    const auto [low, high] =
        std::minmax_element(jobs.begin(), jobs.end(),
                            [](const auto& a, const auto& b) { return a.priority < b.priority; });
    lowest_priority_ = low->priority;
    highest_priority_ = high->priority;
  }
  // The root, one node per account, one per association under its account; equal shares.
  const auto& associations = core.associations();
  const int accounts = static_cast<int>(associations.accounts.size());
  tree_.assign(1 + accounts, ShareNode{0, 1, 0});
  tree_[0].parent = -1;
  for (const auto& pair : associations.pairs) tree_.push_back({1 + pair.account, 1, 0});
  charged_.assign(associations.pairs.size(), 0.0);
  fair_share_.assign(associations.pairs.size(), 1.0);
  facts_.assign(jobs.size(), Facts{});
  priority_.assign(jobs.size(), -1.0);
  listed_.assign(jobs.size(), false);
  calc_s_ = next_calc_s_ = core.now();
}

void MultifactorPriority::release_new_jobs(const SchedulerCore& core) {
  // The queue's keys grow at its back (releases) and shrink at its front (jobs put back after a
  // preemption or a failure): the jobs with keys beyond those seen are new to the queue.
  const auto& queue = core.waiting_training();
  if (queue.empty()) return;
  const long newest = queue.key_of(*std::prev(queue.end()));
  const long oldest = queue.key_of(queue.front());
  for (auto it = queue.end(); it != queue.begin();) {
    const int job = *--it;
    if (queue.key_of(job) <= newest_key_) break;
    release(core, job);
  }
  for (auto it = queue.begin(); it != queue.end() && queue.key_of(*it) < oldest_key_; ++it)
    release(core, *it);
  newest_key_ = std::max(newest_key_, newest);
  oldest_key_ = std::min(oldest_key_, oldest);
}

void MultifactorPriority::release(const SchedulerCore& core, int job) {
  facts_of(core, job);
  if (listed_[job]) return;  // started and put back before the next sort: it keeps its entry
  listed_[job] = true;
  if (!sorted_) {
    unsorted_.push_back(job);  // the next sort gives it the new calc's priority
    return;
  }
  // Its priority as of the last calc: age 0 for a job released since, as Slurm's at submission.
  arrivals_.insert(entry_at(core, job, calc_s_));
}

const MultifactorPriority::Facts& MultifactorPriority::facts_of(const SchedulerCore& core,
                                                                int job) {
  Facts& f = facts_[job];
  if (f.eligible_s >= 0) return f;
  // Age counts from when the job became eligible (its dependencies done), as Slurm's does.
  f.eligible_s = core.now();
  const auto& spec = core.workload().training[job];
  const double size = role_gpus_ > 0 ? std::min(1.0, double(spec.gpus) / role_gpus_) : 0.0;
  // Slurm normalizes QOS priorities to the highest; gpufleet's may be negative, so the lowest
  // priority of the workload is QOS 0.
  const double qos = highest_priority_ > lowest_priority_
                         ? double(spec.priority - lowest_priority_) /
                               (double(highest_priority_) - lowest_priority_)
                         : 0.0;
  f.fixed = settings_.weight_job_size * size + settings_.weight_qos * qos;
  f.min_runtime_s = std::numeric_limits<double>::infinity();
  for (int pool : core.job_pools(job))
    if (core.fleet().pools[pool].role == role_)
      f.min_runtime_s = std::min(f.min_runtime_s, core.planned_runtime_s(job, pool));
  return f;
}

void MultifactorPriority::recalculate(const SchedulerCore& core) {
  // Usage decays by the half-life over the time since the last calc, as Slurm's decay thread
  // applies it (whatever the calc period), and the period's new usage adds to it undecayed.
  const double elapsed = core.now() - calc_s_;
  const double decay = settings_.half_life_s > 0 ? std::exp2(-elapsed / settings_.half_life_s) : 1;
  const size_t leaves = tree_.size() - charged_.size();
  for (size_t a = 0; a < charged_.size(); ++a) {
    const double charged = core.charged_gpu_seconds(static_cast<int>(a));
    tree_[leaves + a].usage = tree_[leaves + a].usage * decay + (charged - charged_[a]);
    charged_[a] = charged;
  }
  const auto factors = classic_fair_share(tree_);
  for (size_t a = 0; a < fair_share_.size(); ++a) fair_share_[a] = factors[leaves + a];
  calc_s_ = core.now();
  next_calc_s_ = calc_s_ + settings_.calc_period_s;
  sorted_ = false;
}

MultifactorPriority::Entry MultifactorPriority::entry_at(const SchedulerCore& core, int job,
                                                         double t) {
  const Facts& f = facts_of(core, job);
  const double age = settings_.max_age_s > 0
                         ? std::clamp((t - f.eligible_s) / settings_.max_age_s, 0.0, 1.0)
                         : 1.0;
  const double fair_share = fair_share_[core.associations().of_job[job]];
  priority_[job] =
      std::floor(settings_.weight_age * age + settings_.weight_fairshare * fair_share + f.fixed);
  const auto& spec = core.workload().training[job];
  return {priority_[job], spec.submit_s, job, spec.gpus, f.min_runtime_s};
}

namespace {

// Sorts entries that are mostly in order already (the last sort's, reprioritized: most keep
// their place from one calc to the next) by insertion, or, past a budget of moves, by
// std::sort. The order is a total one, so the result is the same either way.
void sort_mostly_sorted(std::vector<MultifactorPriority::Entry>& v) {
  size_t moves = 0;
  const size_t budget = 4 * v.size() + 64;
  for (size_t i = 1; i < v.size(); ++i) {
    const auto e = v[i];
    size_t j = i;
    for (; j > 0 && e < v[j - 1]; --j) {
      v[j] = v[j - 1];
      if (++moves > budget) {
        v[j - 1] = e;
        std::sort(v.begin(), v.end());
        return;
      }
    }
    v[j] = e;
  }
}

}  // namespace

void MultifactorPriority::sort_waiting(const SchedulerCore& core) {
  const auto& queue = core.waiting_training();
  std::vector<Entry> kept, added;
  kept.reserve(order_.size());
  for (const auto& e : order_) {
    if (queue.contains(e.job))
      kept.push_back(entry_at(core, e.job, calc_s_));
    else
      listed_[e.job] = false;
  }
  const auto add = [&](int job) {
    if (queue.contains(job))
      added.push_back(entry_at(core, job, calc_s_));
    else
      listed_[job] = false;
  };
  for (const auto& e : arrivals_) add(e.job);
  for (int job : unsorted_) add(job);
  arrivals_.clear();
  unsorted_.clear();
  sort_mostly_sorted(kept);
  std::sort(added.begin(), added.end());
  order_.resize(kept.size() + added.size());
  std::merge(kept.begin(), kept.end(), added.begin(), added.end(), order_.begin());
  sorted_ = true;
}

void MultifactorPriority::start_in_order(SchedulerCore& core) {
  // Entries of jobs that started since the sort are skipped as they come (the next sort drops
  // them).
  const auto& queue = core.waiting_training();
  InOrder in_order(order_, arrivals_);
  const Entry* e = nullptr;
  int head = -1;
  while ((e = in_order.next()))
    if (queue.contains(e->job) && !start_in_role(core, e->job, role_)) {
      head = e->job;
      break;
    }
  if (head < 0 || most_free_gpus(core, role_) == 0) return;
  Reservation reserved = reserve_for(core, head, role_);
  const DecisionScope why(core, DecisionReason::kBackfillShadowOk);
  // Free GPUs on the reserved pool and on the best other pool of the role: a job too large for
  // the others, longer than the reservation's wait and larger than its spare cannot backfill,
  // which most entries show without a look at the job (backfill_pool decides for the rest).
  int most_free = 0, free_elsewhere = 0;
  const auto count_free = [&] {
    most_free = free_elsewhere = 0;
    for (size_t p = 0; p < core.fleet().pools.size(); ++p) {
      if (core.fleet().pools[p].role != role_) continue;
      const int free = core.free_gpus(static_cast<int>(p));
      most_free = std::max(most_free, free);
      if (static_cast<int>(p) != reserved.pool) free_elsewhere = std::max(free_elsewhere, free);
    }
  };
  count_free();
  // The reservation's wait, with backfilling's margin over rounding (Candidates').
  const double wait_s = reserved.start_s - core.now() + 1e-6 * (1 + std::abs(reserved.start_s));
  while (most_free > 0 && (e = in_order.next())) {
    if (e->gpus > most_free ||
        (e->gpus > free_elsewhere && e->gpus > reserved.spare_gpus && e->min_runtime_s > wait_s) ||
        !queue.contains(e->job))
      continue;
    const int pool = backfill_pool(core, e->job, role_, reserved);
    if (pool < 0 || !core.start_training(e->job, pool)) continue;
    book_backfilled(core, e->job, pool, reserved);
    count_free();
  }
}

}  // namespace gpufleet
