// Users' run-time estimates (walltimes): the model of Tsafrir, Etsion and Feitelson, "Modeling
// User Runtime Estimates", JSSPP 2005 (LNCS 3834), fitted on four logs of the Parallel
// Workloads Archive (SDSC SP2, CTC SP2, KTH SP2, SDSC Blue). Estimates are modal: about 20
// values, the site's limit first among them, carry 89% of the jobs; the other values form a
// long tail. Its constants are the paper's (docs/seed-scenario.md, "Walltimes").
#include "scenario/walltime_model.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <stdexcept>
#include <utility>

namespace gpufleet {

namespace {

constexpr double kMinute = 60, kHour = 3600;

// The head: the most popular values, and the share of jobs that ask for one of them.
constexpr int kHeadValues = 20;
constexpr double kHeadShare = 0.89;

// The values popular in all four logs, whatever their limit.
constexpr double kCommonValues[] = {5 * kMinute,  10 * kMinute, 15 * kMinute, 20 * kMinute,
                                    30 * kMinute, kHour,        2 * kHour,    3 * kHour,
                                    4 * kHour,    5 * kHour,    6 * kHour,    8 * kHour,
                                    10 * kHour,   12 * kHour,   18 * kHour};
// Round values complete the head: multiples of these steps, coarsest step first, each taken
// downward from the limit.
constexpr double kRoundSteps[] = {200 * kHour,  100 * kHour, 50 * kHour, 10 * kHour,
                                  5 * kHour,    2 * kHour,   kHour,      20 * kMinute,
                                  10 * kMinute, 5 * kMinute};

// Share of jobs, in percent, at popularity rank x = 2..20: a e^(b x) + c. Rank 1 (the limit)
// takes what the head's 89% leaves.
constexpr double kHeadA = 14.0491, kHeadB = -0.177531, kHeadC = 0.462513;
// At rank x >= 21: a x^b, scaled so that the tail holds the other 11%.
constexpr double kTailA = 795.6, kTailB = -2.267;
// Where the tail's values lie: the value of relative rank x (rank / values) is
// (a - 1) x / (a - x) of the limit, a = 1 + p K^q for K distinct values.
constexpr double kTailP = 12.1039, kTailQ = -0.6026;
// Distinct values a log of n jobs uses: piecewise linear through these (jobs, values).
constexpr std::pair<double, double> kValuesByJobs[] = {
    {0, 0}, {20, 10}, {200, 20}, {1000, 35}, {10000, 90}, {70000, 340}, {250000, 565}};

// The popularity rank (1: most jobs) of the head's value of each time rank (0: the limit, then
// the other 19 shortest first) in each of the four logs: SDSC SP2, CTC SP2, KTH SP2, SDSC Blue.
constexpr int kLogs = 4;
constexpr int kRankInLogs[kHeadValues][kLogs] = {
    {3, 1, 1, 1},     {1, 3, 4, 6},     {4, 4, 10, 5},    {17, 2, 14, 3},  {13, 12, 20, 7},
    {7, 9, 2, 2},     {8, 8, 3, 18},    {18, 18, 7, 19},  {2, 6, 12, 4},   {6, 7, 6, 11},
    {16, 11, 19, 20}, {10, 20, 5, 9},   {5, 16, 18, 10},  {15, 5, 16, 14}, {14, 14, 9, 13},
    {19, 13, 17, 16}, {11, 10, 15, 15}, {12, 15, 13, 17}, {9, 17, 8, 8},   {20, 19, 11, 12}};

double distinct_values(double jobs) {
  const auto* last = std::end(kValuesByJobs) - 1;
  if (jobs >= last->first) return last->second;
  const auto* hi = std::upper_bound(std::begin(kValuesByJobs), std::end(kValuesByJobs), jobs,
                                    [](double j, const auto& p) { return j < p.first; });
  const auto* lo = hi - 1;
  return std::round(lo->second +
                    (jobs - lo->first) * (hi->second - lo->second) / (hi->first - lo->first));
}

// The head's values: the limit first, then the others shortest first.
std::vector<double> head_values(double limit_s) {
  std::vector<double> values{limit_s};
  for (double v : kCommonValues)
    if (v < limit_s) values.push_back(v);
  for (double step : kRoundSteps)
    for (double v = std::floor(limit_s / step) * step;
         v > 0 && values.size() < static_cast<size_t>(kHeadValues); v -= step)
      if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  std::sort(values.begin() + 1, values.end());
  return values;
}

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.uniform_int(0, i - 1)]);
}

// Which popularity rank each time rank of the head gets: the limit the first; then, shortest
// value first, a rank that no log gives a later time rank, if one is due, else the more popular
// of two drawn from the ranks the logs give this time rank or an earlier one (a rank that
// appears in several logs is drawn more often).
std::vector<int> popularity_by_time_rank(Rng& rng) {
  int last_time_rank[kHeadValues + 1];  // by popularity rank
  for (int t = 0; t < kHeadValues; ++t)
    for (int log = 0; log < kLogs; ++log) last_time_rank[kRankInLogs[t][log]] = t;
  std::vector<int> ranks;
  std::set<int> taken;
  std::vector<int> pool;
  for (int t = 0; t < kHeadValues; ++t) {
    for (int log = 0; log < kLogs; ++log)
      if (!taken.count(kRankInLogs[t][log])) pool.push_back(kRankInLogs[t][log]);
    int rank = t == 0 ? 1 : 0;
    for (int r = 1; rank == 0 && r <= kHeadValues; ++r)
      if (last_time_rank[r] <= t && !taken.count(r)) rank = r;
    if (rank == 0 && !pool.empty()) {
      const int a = pool[rng.uniform_int(0, static_cast<long>(pool.size()) - 1)];
      const int b = pool[rng.uniform_int(0, static_cast<long>(pool.size()) - 1)];
      rank = std::min(a, b);
    }
    for (int r = 1; rank == 0; ++r)  // nothing drawn (not seen with the four logs' table)
      if (!taken.count(r)) rank = r;
    ranks.push_back(rank);
    taken.insert(rank);
    std::erase(pool, rank);
  }
  return ranks;
}

// The tail's values, between 0 and the limit, on whole minutes (moved by up to 30 s when that
// minute is taken), none of the head's.
std::vector<double> tail_values(double limit_s, int count, double distinct,
                                const std::set<double>& head) {
  const double a = 1 + kTailP * std::pow(distinct, kTailQ);
  std::set<double> taken = head;
  std::vector<double> values;
  for (int i = 1; i <= count; ++i) {
    const double x = static_cast<double>(i) / count;
    const double minute = std::round((a - 1) * x / (a - x) * limit_s / kMinute) * kMinute;
    for (double offset : {0.0, 30.0, -30.0, 20.0, -20.0, 10.0, -10.0}) {
      const double v = minute + offset;
      if (v > 0 && v < limit_s && taken.insert(v).second) {
        values.push_back(v);
        break;
      }
    }
  }
  return values;
}

}  // namespace

EstimateModel::EstimateModel(double limit_s, double jobs, Rng& rng) {
  if (!(limit_s >= kHour))
    throw std::invalid_argument("the longest walltime must be at least an hour");
  const std::vector<double> head = head_values(limit_s);
  // Percent of jobs by popularity rank 1..20 (index 0 unused).
  std::vector<double> by_rank(kHeadValues + 1, 0.0);
  double ranked = 0;
  for (int x = 2; x <= kHeadValues; ++x)
    ranked += by_rank[x] = kHeadA * std::exp(kHeadB * x) + kHeadC;
  by_rank[1] = kHeadShare * 100 - ranked;
  const std::vector<int> rank = popularity_by_time_rank(rng);
  const double distinct = distinct_values(jobs);
  const int tail_count = std::max(0, static_cast<int>(distinct) - kHeadValues);
  std::vector<double> tail = tail_values(limit_s, tail_count, distinct, {head.begin(), head.end()});
  std::vector<double> tail_share;
  double tail_sum = 0;
  for (size_t i = 0; i < tail.size(); ++i) {
    tail_share.push_back(kTailA * std::pow(kHeadValues + 1.0 + static_cast<double>(i), kTailB));
    tail_sum += tail_share.back();
  }
  // The tail's values and shares are matched at random.
  shuffle(tail, rng);
  shuffle(tail_share, rng);
  // Without a tail (a log of under 200 jobs) the head holds every job.
  const double head_scale = tail.empty() ? 1 / kHeadShare : 1.0;
  for (size_t t = 0; t < head.size(); ++t)
    values_.push_back({head[t], by_rank[rank[t]] / 100 * head_scale, true});
  for (size_t i = 0; i < tail.size(); ++i)
    values_.push_back({tail[i], tail_share[i] / tail_sum * (1 - kHeadShare), false});
  std::sort(values_.begin(), values_.end(),
            [](const Value& a, const Value& b) { return a.seconds < b.seconds; });
  double sum = 0;
  for (const auto& v : values_) cumulative_.push_back(sum += v.share);
}

std::vector<double> EstimateModel::assign(const std::vector<double>& runs_s, Rng& rng) const {
  const size_t n = runs_s.size();
  std::vector<double> pool;  // the log's estimates, longest first
  for (size_t i = 0; i < n; ++i) {
    const double x = rng.uniform() * cumulative_.back();
    const auto k =
        std::upper_bound(cumulative_.begin(), cumulative_.end(), x) - cumulative_.begin();
    pool.push_back(values_[std::min(static_cast<size_t>(k), values_.size() - 1)].seconds);
  }
  std::sort(pool.rbegin(), pool.rend());
  std::vector<size_t> order(n);  // jobs, longest first (ties in the log's order)
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return runs_s[a] > runs_s[b]; });
  // Job j takes one of pool[j..hi], the values left that are not below its run time; the value
  // at j moves to where it was taken from (it is at least as long as every later job's run).
  std::vector<double> estimates(n);
  size_t hi = 0;
  for (size_t j = 0; j < n; ++j) {
    const double run = runs_s[order[j]];
    const double u = rng.uniform();  // drawn whatever the case: one draw per job keeps the stream
    if (pool[j] < run) {
      estimates[order[j]] = draw(run, rng);
      continue;
    }
    hi = std::max(hi, j);
    while (hi + 1 < n && pool[hi + 1] >= run) ++hi;
    const size_t k = j + std::min(hi - j, static_cast<size_t>(u * static_cast<double>(hi - j + 1)));
    estimates[order[j]] = pool[k];
    std::swap(pool[j], pool[k]);
  }
  return estimates;
}

double EstimateModel::draw(double run_s, Rng& rng) const {
  // As the paper assigns estimates to a log's jobs: the job asks for a value at least its run
  // time, drawn in proportion to how many jobs ask for each.
  const auto first = std::lower_bound(values_.begin(), values_.end(), run_s,
                                      [](const Value& v, double r) { return v.seconds < r; });
  const double u = rng.uniform();  // drawn whatever the case: one draw per job keeps the stream
  if (first == values_.end()) return values_.back().seconds;  // longer than the limit
  const size_t lo = static_cast<size_t>(first - values_.begin());
  const double below = lo > 0 ? cumulative_[lo - 1] : 0;
  const double x = below + u * (cumulative_.back() - below);
  const size_t k = static_cast<size_t>(
      std::upper_bound(cumulative_.begin() + static_cast<long>(lo), cumulative_.end(), x) -
      cumulative_.begin());
  return values_[std::min(k, values_.size() - 1)].seconds;
}

}  // namespace gpufleet
