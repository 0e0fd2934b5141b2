#pragma once

#include <string>
#include <vector>

#include "model/workload.hpp"

namespace gpufleet {

class SchedulerCore;

// What policies and the autoscaler know of inference demand ahead (docs/policies.md):
//   last    the demand now
//   window  the highest demand of the last window_s
//   weekly  the higher of the demand now and last week's demand over the time ahead
//   oracle  the demand curve itself, future included: a reference line, never the default
enum class ForecastKind { kLast, kWindow, kWeekly, kOracle };

struct ForecastSpec {
  ForecastKind kind = ForecastKind::kWeekly;
  double window_s = 3600;  // of kWindow
};

// "last", "window[:HOURS]", "weekly" or "oracle". Throws std::invalid_argument naming them.
ForecastSpec parse_forecast(const std::string& text);
std::string forecast_name(const ForecastSpec& spec);

// Learns each service's demand from what the policy sees at each call (the demand now), and
// forecasts from that history only, except the oracle. Demand in the week before the run is
// known for repeating curves (week_before_run): an operator knows last week's traffic.
class DemandForecaster {
 public:
  // error_lead_s: how far ahead the forecasts whose errors error_quantile reports look.
  DemandForecaster(ForecastSpec spec, double error_lead_s);

  // Records the demand now of every service; call once per scheduling call.
  void observe(const SchedulerCore& core);
  // The demand to provision for over [now, now + ahead_s].
  double forecast(int service, double now, double ahead_s) const;
  // When forecast(service, t, ahead_s) may next change without a new observation: the weekly
  // forecast's window a week back reaching a change of last week's demand, or the oracle's
  // reaching a step of the curve; infinity for the others.
  double next_change(int service, double now, double ahead_s) const;
  // The highest demand to expect: the highest seen so far (oracle: the curve's peak).
  double peak(int service) const;
  // The q-quantile of (demand / its forecast error_lead_s earlier) - 1 over the changes seen
  // so far, at least 0; 0 before any.
  double error_quantile(int service, double q) const;
  const ForecastSpec& spec() const { return spec_; }

 private:
  struct History {
    std::vector<double> times, values;  // a step function, times increasing
    double highest = 0;
    std::vector<long> error_bins;  // relative errors in bins of kErrorBin, from -1 on
    long errors = 0;
  };

  void start(const SchedulerCore& core);
  void week_before_run(const DemandCurve& curve, History& h) const;
  double value_at(const History& h, double t) const;
  double highest_over(const History& h, double from, double to) const;
  double forecast_from(const History& h, double at, double ahead_s) const;
  void record_error(History& h, double now, double demand);

  const ForecastSpec spec_;
  const double error_lead_s_;
  const Workload* workload_ = nullptr;
  std::vector<History> history_;
};

}  // namespace gpufleet
