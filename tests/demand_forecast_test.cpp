// The demand forecaster (docs/policies.md, "What policies know of demand"), in process: what it
// knows of the week before the run.
#include "policies/demand_forecast.hpp"

#include <gtest/gtest.h>

#include "scheduler/scheduler_core.hpp"

namespace gpufleet::test {
namespace {

class Idle final : public Policy {
 public:
  void schedule(SchedulerCore&) override {}
};

Fleet h100_fleet() {
  Fleet fleet;
  Pool pool;
  pool.name = "h100";
  pool.gpu_model = "H100";
  pool.role = PoolRole::kInference;
  pool.gpus_per_domain = 8;
  pool.peak_flops_per_gpu = 989e12;
  pool.domain_count = 1;
  fleet.pools.push_back(pool);
  fleet.domains.push_back({"h0", 0, 8});
  return fleet;
}

Workload one_service(DemandCurve curve) {
  InferenceService s;
  s.id = "s";
  s.gpus_per_replica = 8;
  s.latency_target_s = 1;
  s.flops_per_unit = 1;
  s.generations = {{"H100", 100, 0.5}};
  s.demand = std::move(curve);
  Workload w;
  w.inference = {s};
  return w;
}

// The weekly forecast at `now` over the next `ahead_s`, having observed the curve at each of its
// steps from 0 to now.
double weekly_forecast(const Workload& w, double now, double ahead_s) {
  const Fleet fleet = h100_fleet();
  Idle idle;
  SchedulerCore core(fleet, w, idle);
  DemandForecaster forecaster(ForecastSpec{}, 3600);
  const DemandCurve& curve = w.inference[0].demand;
  for (double t = 0; t <= now; t = curve.next_change_after(t)) {
    core.set_time(t);
    core.demand_changed(0, curve.at(t));
    forecaster.observe(core);
  }
  core.set_time(now);
  return forecaster.forecast(0, now, ahead_s);
}

// A curve that repeats daily (demand h + 1 in hour h): the week before the run is that day
// seven times, so at hour 1 of day 0 the weekly forecast over the next two hours already holds
// hours 1-3 of a week ago (4), not only the demand now (2).
TEST(Forecast, ADailyCurvesWeekBeforeTheRunIsItsDayRepeated) {
  DemandCurve daily;
  for (int h = 0; h < 24; ++h) daily.values.push_back(h + 1);
  const Workload w = one_service(daily);
  EXPECT_DOUBLE_EQ(weekly_forecast(w, 3600, 7200), 4);
  // At hour 22 (23) over the next two: hours 22-23 and 0 of a week ago (23, 24, 1).
  EXPECT_DOUBLE_EQ(weekly_forecast(w, 22 * 3600, 7200), 24);
}

// A curve longer than a week: the week before the run is like the run's first week (the value
// at t + 1 week), not the curve's last week, which a grown curve would make its highest.
TEST(Forecast, ALongCurvesWeekBeforeTheRunIsLikeItsFirstWeek) {
  DemandCurve grown;
  for (int h = 0; h < 14 * 24; ++h) grown.values.push_back(h < 7 * 24 ? 10 + h % 24 : 1000);
  const Workload w = one_service(grown);
  // Hour 5 of day 0: a week ago it was like hour 5-6 of the first week (15, 16).
  EXPECT_DOUBLE_EQ(weekly_forecast(w, 5 * 3600, 3600), 16);
  // The highest seen before the run is the first week's (33), not the last week's 1000.
  const Fleet fleet = h100_fleet();
  Idle idle;
  SchedulerCore core(fleet, w, idle);
  DemandForecaster forecaster(ForecastSpec{}, 3600);
  core.demand_changed(0, grown.at(0));
  forecaster.observe(core);
  EXPECT_DOUBLE_EQ(forecaster.peak(0), 33);
}

// A curve that does not repeat (an imported trace) knows nothing before its first value.
TEST(Forecast, ACurveThatDoesNotRepeatHasNoWeekBeforeTheRun) {
  DemandCurve trace;
  trace.repeat = false;
  for (int h = 0; h < 24; ++h) trace.values.push_back(h + 1);
  EXPECT_DOUBLE_EQ(weekly_forecast(one_service(trace), 3600, 7200), 2);
}

}  // namespace
}  // namespace gpufleet::test
