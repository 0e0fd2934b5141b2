#include "policies/demand_forecast.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "model/duration.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

namespace {

constexpr double kWeekS = 7 * 86400.0;
constexpr double kErrorBin = 0.005;  // relative error resolution of error_quantile
constexpr int kErrorBins = 2000;     // relative errors from -1 to +9

}  // namespace

ForecastSpec parse_forecast(const std::string& text) {
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  ForecastSpec spec;
  if (kind == "last") {
    spec.kind = ForecastKind::kLast;
  } else if (kind == "window") {
    spec.kind = ForecastKind::kWindow;
    if (colon != std::string::npos) spec.window_s = parse_duration_s(text.substr(colon + 1) + "h");
  } else if (kind == "weekly") {
    spec.kind = ForecastKind::kWeekly;
  } else if (kind == "oracle") {
    spec.kind = ForecastKind::kOracle;
  } else {
    throw std::invalid_argument("unknown forecast '" + text +
                                "'; valid: last, window[:HOURS], weekly, oracle");
  }
  if (colon != std::string::npos && spec.kind != ForecastKind::kWindow)
    throw std::invalid_argument("forecast '" + kind + "' takes no ':HOURS' (only window does)");
  return spec;
}

std::string forecast_name(const ForecastSpec& spec) {
  switch (spec.kind) {
    case ForecastKind::kLast:
      return "last";
    case ForecastKind::kWindow: {
      char hours[32];
      std::snprintf(hours, sizeof hours, "%g", spec.window_s / 3600);
      return std::string("window:") + hours;
    }
    case ForecastKind::kWeekly:
      return "weekly";
    case ForecastKind::kOracle:
      return "oracle";
  }
  return "weekly";
}

DemandForecaster::DemandForecaster(ForecastSpec spec, double error_lead_s)
    : spec_(spec), error_lead_s_(error_lead_s) {}

void DemandForecaster::start(const SchedulerCore& core) {
  workload_ = &core.workload();
  for (const auto& service : core.workload().inference) {
    History h;
    h.error_bins.assign(kErrorBins, 0);
    const DemandCurve& curve = service.demand;
    // The oracle knows the peak from the start: computed once, it is read on every pass.
    if (spec_.kind == ForecastKind::kOracle) h.highest = curve.peak();
    if (curve.repeat) week_before_run(curve, h);
    history_.push_back(std::move(h));
  }
}

// The week before the run of a repeating curve, [-1 week, 0): an operator knows last week's
// traffic. A curve whose period is at most a week repeats into it (the value at t mod period),
// so a daily curve's weekly forecast has a week back from the first hour. A longer curve is not
// extended backward from its end (the end of a grown curve is its highest demand, and its phase
// need not follow on from the last day): its week before is taken as like its first week, the
// value at t + 1 week, which has the weekly shape's phase.
void DemandForecaster::week_before_run(const DemandCurve& curve, History& h) const {
  const long n = static_cast<long>(curve.values.size());
  if (n == 0 || !(curve.interval_s > 0)) return;
  const auto add = [&](double t, double value) {
    h.times.push_back(t);
    h.values.push_back(value);
    h.highest = std::max(h.highest, value);
  };
  if (static_cast<double>(n) * curve.interval_s <= kWeekS) {
    // Steps k = floor(-week / interval) .. -1; the first starts at -1 week at the latest.
    for (long k = static_cast<long>(std::floor(-kWeekS / curve.interval_s)); k < 0; ++k)
      add(std::max(-kWeekS, static_cast<double>(k) * curve.interval_s),
          curve.values[(k % n + n) % n]);
  } else {
    for (long k = 0; static_cast<double>(k) * curve.interval_s < kWeekS; ++k)
      add(static_cast<double>(k) * curve.interval_s - kWeekS, curve.values[k]);
  }
}

void DemandForecaster::observe(const SchedulerCore& core) {
  if (!workload_) start(core);
  const double now = core.now();
  for (size_t s = 0; s < history_.size(); ++s) {
    History& h = history_[s];
    const double demand = core.demand(static_cast<int>(s));
    if (!h.times.empty() && h.times.back() >= now) {  // a second call at this time
      h.values.back() = demand;
    } else if (h.values.empty() || h.values.back() != demand) {
      record_error(h, now, demand);
      h.times.push_back(now);
      h.values.push_back(demand);
    }
    h.highest = std::max(h.highest, demand);
  }
}

void DemandForecaster::record_error(History& h, double now, double demand) {
  if (h.times.empty()) return;
  const double forecast = forecast_from(h, now - error_lead_s_, error_lead_s_);
  if (forecast <= 0) return;
  const double error = demand / forecast - 1;
  const long bin = std::clamp(static_cast<long>(std::floor((error + 1) / kErrorBin)), 0L,
                              static_cast<long>(kErrorBins) - 1);
  ++h.error_bins[bin];
  ++h.errors;
}

double DemandForecaster::value_at(const History& h, double t) const {
  if (h.times.empty()) return 0;
  const auto after = std::upper_bound(h.times.begin(), h.times.end(), t);
  if (after == h.times.begin()) return h.values.front();
  return h.values[after - h.times.begin() - 1];
}

double DemandForecaster::highest_over(const History& h, double from, double to) const {
  double highest = value_at(h, from);
  for (auto it = std::upper_bound(h.times.begin(), h.times.end(), from);
       it != h.times.end() && *it <= to; ++it)
    highest = std::max(highest, h.values[it - h.times.begin()]);
  return highest;
}

// What the forecaster would have said at time `at` (history after `at` unseen).
double DemandForecaster::forecast_from(const History& h, double at, double ahead_s) const {
  switch (spec_.kind) {
    case ForecastKind::kLast:
    case ForecastKind::kOracle:  // its errors are measured against the demand it saw
      return value_at(h, at);
    case ForecastKind::kWindow:
      return highest_over(h, at - spec_.window_s, at);
    case ForecastKind::kWeekly: {
      const double now = value_at(h, at);
      const double week_ago = at - kWeekS;
      if (h.times.empty() || week_ago < h.times.front()) return now;
      return std::max(now, highest_over(h, week_ago, std::min(at, week_ago + ahead_s)));
    }
  }
  return value_at(h, at);
}

double DemandForecaster::forecast(int service, double now, double ahead_s) const {
  if (spec_.kind == ForecastKind::kOracle)
    return workload_->inference[service].demand.max_over(now, now + ahead_s);
  return forecast_from(history_[service], now, ahead_s);
}

double DemandForecaster::next_change(int service, double now, double ahead_s) const {
  if (spec_.kind == ForecastKind::kOracle) {
    const double change = workload_->inference[service].demand.next_change_after(now + ahead_s);
    return change - ahead_s;
  }
  if (spec_.kind != ForecastKind::kWeekly) return std::numeric_limits<double>::infinity();
  const auto& times = history_[service].times;
  const auto next = std::upper_bound(times.begin(), times.end(), now - kWeekS + ahead_s);
  if (next == times.end()) return std::numeric_limits<double>::infinity();
  return *next + kWeekS - ahead_s;
}

double DemandForecaster::peak(int service) const {
  return history_[service].highest;  // the oracle's starts at the curve's peak
}

double DemandForecaster::error_quantile(int service, double q) const {
  const History& h = history_[service];
  if (h.errors == 0) return 0;
  long seen = 0;
  for (int bin = 0; bin < kErrorBins; ++bin) {
    seen += h.error_bins[bin];
    if (static_cast<double>(seen) >= q * static_cast<double>(h.errors))
      return std::max(0.0, (bin + 1) * kErrorBin - 1);
  }
  return (kErrorBins)*kErrorBin - 1;
}

}  // namespace gpufleet
