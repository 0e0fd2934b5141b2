#include "serving/latency_mixture.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gpufleet {

namespace {
constexpr double kLongestLatencyS = 1e7;  // beyond it a percentile is reported as infinite
constexpr int kMostNewtonSteps = 12;
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Value {
  double cdf = 0;    // exactly as the bisection computes it
  double slope = 0;  // of the continuous part, to aim the next point (approximate)
};
}  // namespace

LatencyMixture::LatencyMixture(std::span<const LatencyComponent> components, double total)
    : components_(components), total_(total) {
  // A share whose offset is not a number is never within any x: it has no place in the order.
  std::vector<size_t> order;
  for (size_t i = 0; i < components.size(); ++i)
    if (!std::isnan(components[i].offset_s)) order.push_back(i);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return components[a].offset_s < components[b].offset_s; });
  double units = 0, unwaited = 0;
  for (size_t i : order) {
    const auto& c = components[i];
    const bool waits = c.wait.p_wait > 0 && c.wait.mean_when_waiting_s > 0;
    offsets_.push_back(c.offset_s);
    units_upto_.push_back(units += c.units);
    unwaited_upto_.push_back(unwaited += waits ? c.units * (1 - c.wait.p_wait) : c.units);
  }
}

// Answers the bisection's question, cdf(x) >= p, from what is already known wherever that
// settles it, and evaluates the sum only where it does not. The sum as computed, f, is within
// eta = (components + 8) x 2^-53 of a non-decreasing function g of x (the same sum in exact
// arithmetic over the rounded arguments: every rounded step is monotone, and exp is within an
// ulp). So a point a with g(a) < p - 2 eta settles f(x) < p for every x <= a, and a point b
// with g(b) >= p + 2 eta settles f(x) >= p for every x >= b. Such points come from evaluating
// f (g is within eta of it) and from bounds on g that need no evaluation: between the units
// of the components whose offsets are at most x that never wait and all of their units. The
// answers, and so the bisection's result, are bit for bit those of evaluating every midpoint.
class QuantileSearch {
 public:
  QuantileSearch(const LatencyMixture& mixture, double p)
      : m_(mixture),
        p_(p),
        margin_(3 * (static_cast<double>(mixture.components_.size()) + 16) * 0x1p-53) {}

  bool reaches(double x) {
    if (x <= below_) return false;
    if (x >= above_) return true;
    const size_t k =
        std::upper_bound(m_.offsets_.begin(), m_.offsets_.end(), x) - m_.offsets_.begin();
    if (k == 0 || m_.units_upto_[k - 1] / m_.total_ < p_ - margin_) return settle(x, 0);
    if (m_.unwaited_upto_[k - 1] / m_.total_ >= p_ + margin_) return settle(x, 1);
    return evaluate(x).cdf >= p_;
  }

  // Settles points close around the threshold before the bisection asks, in (lo, hi]: the
  // first offset where the sum reaches p, found among the offsets the bounds leave open (most
  // of a service's requests never wait, so its distribution is mostly steps at the offsets),
  // and the double just below it; when the threshold is not that step, Newton's steps on the
  // continuous part, aiming just past the undecided band on the side not yet settled.
  void narrow(double lo, double hi) {
    const auto& offsets = m_.offsets_;
    size_t first =
        std::upper_bound(offsets.begin(), offsets.end(), std::max(lo, below_)) - offsets.begin();
    size_t last =
        std::lower_bound(offsets.begin(), offsets.end(), std::min(hi, above_)) - offsets.begin();
    while (first < last) {
      const size_t mid = first + (last - first) / 2;
      if (reaches(offsets[mid]))
        last = mid;
      else
        first = mid + 1;
    }
    if (first < offsets.size()) reaches(std::nextafter(offsets[first], -kInf));
    newton(lo, hi);
  }

 private:
  bool settle(double x, bool reached) {
    (reached ? above_ : below_) = x;
    return reached;
  }

  // Steps within what is settled (and within [lo, hi]): Newton's from the last point
  // evaluated, else the secant through the closest points evaluated on either side of p, else
  // half of what is left.
  void newton(double lo, double hi) {
    double x = std::min(hi, above_);
    Value v = x == last_x_ ? last_ : evaluate(x);
    for (int step = 0; step < kMostNewtonSteps && !settled(v.slope); ++step) {
      const double from = std::max(lo, below_), to = std::min(hi, above_);
      const double target = aim(x, v.cdf);
      double next = x + (target - v.cdf) / v.slope;
      if (!(v.slope > 0) || !(next > from && next < to))
        next = low_.x + (target - low_.cdf) * (high_.x - low_.x) / (high_.cdf - low_.cdf);
      if (!(next > from && next < to)) next = from + (to - from) / 2;
      x = next;
      v = evaluate(x);
    }
  }

  Value evaluate(double x) {
    ++m_.evaluations_;
    double below = 0, slope = 0;
    for (const auto& c : m_.components_) {
      if (!(x >= c.offset_s)) continue;  // the bisection's test, NaN offsets included
      const double cdf = c.wait.cdf((x - c.offset_s) * c.scale);
      below += c.units * cdf;
      if (c.wait.mean_when_waiting_s > 0)
        slope += c.units * (1 - cdf) * c.scale / c.wait.mean_when_waiting_s;
    }
    last_x_ = x;
    last_ = {below / m_.total_, slope / m_.total_};
    if (last_.cdf < p_ - margin_) below_ = std::max(below_, x);
    if (last_.cdf >= p_ + margin_) above_ = std::min(above_, x);
    if (last_.cdf < p_ && x > low_.x) low_ = {x, last_.cdf};
    if (last_.cdf >= p_ && x < high_.x) high_ = {x, last_.cdf};
    return last_;
  }

  // Where the next step aims: p while far from it, then just past the band on the side of
  // the threshold not yet settled as closely as the other.
  double aim(double x, double cdf) const {
    if (std::abs(cdf - p_) > 16 * margin_) return p_;
    const bool need_above = cdf < p_ - margin_ || (cdf < p_ + margin_ && x - below_ <= above_ - x);
    return need_above ? p_ + 2 * margin_ : p_ - 2 * margin_;
  }

  // Settled to well within the bisection's relative 1e-9 (at most a midpoint or two
  // between), or as closely as the undecided band lets points settle.
  bool settled(double slope) const {
    const double gap = above_ - below_;
    return gap <= 1e-11 * above_ || (slope > 0 && gap <= 6 * margin_ / slope);
  }

  const LatencyMixture& m_;
  const double p_, margin_;
  double below_ = -kInf;  // the largest x settled below p
  double above_ = kInf;   // the smallest x settled at or above p
  double last_x_ = std::numeric_limits<double>::quiet_NaN();
  Value last_;
  struct Point {
    double x, cdf;
  };
  Point low_{-kInf, 0}, high_{kInf, 1};  // the closest points evaluated below p and at or above
};

double LatencyMixture::quantile(double p) const {
  if (total_ <= 0 || components_.empty()) return total_ <= 0 ? 0 : kInf;
  QuantileSearch search(*this, p);
  double lo = components_.front().offset_s;
  for (const auto& c : components_) lo = std::min(lo, c.offset_s);
  if (search.reaches(lo)) return lo;
  double hi = 2 * lo;
  while (!search.reaches(hi)) {
    if (hi > kLongestLatencyS) return kInf;
    hi *= 2;
  }
  search.narrow(lo, hi);
  for (int i = 0; i < 100 && hi - lo > 1e-9 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (search.reaches(mid) ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace gpufleet
