// The `slurm` training order: Slurm's multifactor priority with classic fair-share, then EASY
// backfilling in priority order (docs/policies.md, "slurm").
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
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

// The last sort's entries and those added since, read as one list in priority order. The
// sort's are read from its prefix in order, then from its heap, one pop at a time: a pass reads
// a few hundred entries of a queue that may hold hundreds of thousands.
class InOrder {
 public:
  using Entry = MultifactorPriority::Entry;
  InOrder(MultifactorPriority::Order& sorted, const std::set<Entry>& added)
      : sorted_(sorted), added_(added), next_added_(added.begin()) {}
  std::optional<Entry> next() {
    const Entry* from_sort = sorted_.at(next_sorted_);
    if (!from_sort && next_added_ == added_.end()) return std::nullopt;
    if (from_sort && (next_added_ == added_.end() || *from_sort < *next_added_)) {
      ++next_sorted_;
      return *from_sort;
    }
    return *next_added_++;
  }

 private:
  MultifactorPriority::Order& sorted_;
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
  f.association = core.associations().of_job[job];
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
  const auto& spec = core.workload().training[job];
  return {priority_at(f.eligible_s, f.fixed, f.association, t),
          spec.submit_s,
          job,
          spec.gpus,
          f.min_runtime_s,
          f.eligible_s,
          f.fixed,
          f.association};
}

double MultifactorPriority::priority_at(double eligible_s, double fixed, int association,
                                        double t) const {
  const double age =
      settings_.max_age_s > 0 ? std::clamp((t - eligible_s) / settings_.max_age_s, 0.0, 1.0) : 1.0;
  return std::floor(settings_.weight_age * age +
                    settings_.weight_fairshare * fair_share_[association] + fixed);
}

double MultifactorPriority::priority(int job) const {
  if (job < 0 || static_cast<size_t>(job) >= facts_.size() || facts_[job].eligible_s < 0) return -1;
  const Facts& f = facts_[job];
  return priority_at(f.eligible_s, f.fixed, f.association, calc_s_);
}

namespace {

// Sorts entries that are mostly in order already (the last sort's, reprioritized: most keep
// their place from one calc to the next) by insertion, or, past a budget of moves, by
// std::sort. The order is a total one, so the result is the same either way.
void sort_mostly_sorted(std::span<MultifactorPriority::Entry> v) {
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

// The heap's order: the entry first in priority order on top.
bool later(const MultifactorPriority::Entry& a, const MultifactorPriority::Entry& b) {
  return b < a;
}

}  // namespace

std::vector<MultifactorPriority::Entry>& MultifactorPriority::Order::gather() {
  read_.insert(read_.end(), unread_.begin(), unread_.end());
  unread_.clear();
  return read_;
}

void MultifactorPriority::Order::arrange(size_t kept) {
  if (read_.size() <= kSortAll) {
    sort_mostly_sorted(std::span(read_).first(kept));
    std::sort(read_.begin() + static_cast<long>(kept), read_.end());
    std::inplace_merge(read_.begin(), read_.begin() + static_cast<long>(kept), read_.end());
    return;
  }
  std::swap(read_, unread_);  // gather left unread_ empty
  std::make_heap(unread_.begin(), unread_.end(), later);
}

const MultifactorPriority::Entry* MultifactorPriority::Order::read_to(size_t i) {
  while (i >= read_.size() && !unread_.empty()) {
    std::pop_heap(unread_.begin(), unread_.end(), later);
    read_.push_back(unread_.back());
    unread_.pop_back();
  }
  return i < read_.size() ? &read_[i] : nullptr;
}

// The waiting jobs' entries with the new calc's priorities, in priority order: those of the
// last sort (recomputed from the entries, without a look at the jobs), then those released
// since. A total order, so sorting them all or reading them from a heap gives the same one.
void MultifactorPriority::sort_waiting(const SchedulerCore& core) {
  const auto& queue = core.waiting_training();
  // An entry of a job still waiting gets the new calc's priority; the others go.
  const auto still_waits = [&](Entry& e) {
    if (!queue.contains(e.job)) {
      listed_[e.job] = false;
      return false;
    }
    e.priority = priority_at(e.eligible_s, e.fixed, e.association, calc_s_);
    return true;
  };
  auto& entries = order_.gather();
  size_t kept = 0;
  for (Entry& e : entries)
    if (still_waits(e)) entries[kept++] = e;
  entries.resize(kept);
  for (Entry e : arrivals_)
    if (still_waits(e)) entries.push_back(e);
  for (int job : unsorted_) {
    if (queue.contains(job))
      entries.push_back(entry_at(core, job, calc_s_));
    else
      listed_[job] = false;
  }
  arrivals_.clear();
  unsorted_.clear();
  order_.arrange(kept);
  sorted_ = true;
}

void MultifactorPriority::start_in_order(SchedulerCore& core) {
  // Entries of jobs that started since the sort are skipped as they come (the next sort drops
  // them).
  const auto& queue = core.waiting_training();
  InOrder in_order(order_, arrivals_);
  std::optional<Entry> e;
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
