#include "report/run_series.hpp"

#include <algorithm>
#include <map>

#include "charts/palette.hpp"

namespace gpufleet::report {

namespace {

constexpr double kDay = 86400;

// Peak FLOP/s per GPU of each pool, from summary.json.
std::map<std::string, double> peak_per_gpu(const RunData& run) {
  std::map<std::string, double> peak;
  for (const auto& p : run.summary["pools"])
    peak[p["name"].get<std::string>()] = p.value("peak_flops_per_s_per_gpu", 0.0);
  return peak;
}

}  // namespace

PoolUsage pool_usage(const RunData& run, const std::string& pool) {
  const char* classes[] = {"training", "inference", "lease"};
  PoolUsage u;
  for (const char* c : classes) u.allocated_by_class.push_back({c, {}, {}, class_color(c), false});
  u.effective = {"effective GPUs (useful FLOP/s / peak)", {}, {}, "#222222", true};
  for (const auto& p : run.summary["pools"])
    if (pool.empty() || p["name"] == pool) u.gpus += p["gpus"].get<double>();
  const auto peak = peak_per_gpu(run);
  // Bins in file order: time, then pool, then class.
  std::map<double, std::vector<double>> allocated;  // time -> per class
  std::map<double, double> effective;
  for (const auto& row : run.usage) {
    if (!pool.empty() && row.pool != pool) continue;
    auto& a = allocated[row.time_s];
    a.resize(3, 0.0);
    for (int c = 0; c < 3; ++c)
      if (row.job_class == classes[c]) a[c] += row.allocated_gpus;
    const double per_gpu = peak.count(row.pool) ? peak.at(row.pool) : 0;
    effective[row.time_s] += per_gpu > 0 ? row.effective_flops_per_s / per_gpu : 0;
  }
  // Each bin's mean drawn at both its ends, so that the areas read as bins, not ramps.
  const double horizon = run.summary["horizon_s"].get<double>();
  for (auto it = allocated.begin(); it != allocated.end(); ++it) {
    const auto next = std::next(it);
    const double t0 = it->first / kDay,
                 t1 = (next == allocated.end() ? horizon : next->first) / kDay;
    for (int c = 0; c < 3; ++c) {
      u.allocated_by_class[c].x.insert(u.allocated_by_class[c].x.end(), {t0, t1});
      u.allocated_by_class[c].y.insert(u.allocated_by_class[c].y.end(), 2, it->second[c]);
    }
    u.effective.x.insert(u.effective.x.end(), {t0, t1});
    u.effective.y.insert(u.effective.y.end(), 2, effective[it->first]);
  }
  return u;
}

QueueSeries training_queue(const RunData& run) {
  const double horizon = run.summary["horizon_s"].get<double>();
  std::vector<std::tuple<double, int, int>> events;  // time, jobs delta, GPUs delta
  for (const auto& j : run.jobs) {
    if (j.job_class != "training" || j.submit_s < 0) continue;
    if (j.start_s >= 0 && j.start_s <= j.submit_s) continue;  // started at once: never queued
    events.emplace_back(j.submit_s, 1, j.gpus);
    if (j.start_s >= 0) events.emplace_back(j.start_s, -1, -j.gpus);  // else waits to the end
  }
  std::sort(events.begin(), events.end());
  QueueSeries q{{"jobs waiting", {0}, {0}, "#0072B2", false},
                {"GPUs asked for by waiting jobs", {0}, {0}, "#D55E00", false}};
  long jobs = 0, gpus = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const double t = std::get<0>(events[i]);
    jobs += std::get<1>(events[i]);
    gpus += std::get<2>(events[i]);
    if (i + 1 < events.size() && std::get<0>(events[i + 1]) == t) continue;  // same instant
    const double day = std::min(t, horizon) / kDay;
    for (auto* s : {&q.jobs, &q.gpus}) {
      s->x.push_back(day);
      s->y.push_back(s->y.back());
    }
    q.jobs.x.push_back(day);
    q.jobs.y.push_back(static_cast<double>(jobs));
    q.gpus.x.push_back(day);
    q.gpus.y.push_back(static_cast<double>(gpus));
  }
  for (auto* s : {&q.jobs, &q.gpus}) {
    s->x.push_back(horizon / kDay);
    s->y.push_back(s->y.back());
  }
  return q;
}

std::vector<double> training_waits_h(const RunData& run) {
  std::vector<double> waits;
  for (const auto& j : run.jobs)
    if (j.job_class == "training" && j.start_s >= 0)
      waits.push_back((j.start_s - j.submit_s) / 3600);
  return waits;
}

std::vector<double> training_jcts_h(const RunData& run) {
  std::vector<double> jcts;
  for (const auto& j : run.jobs)
    if (j.job_class == "training" && j.end_s >= 0) jcts.push_back((j.end_s - j.submit_s) / 3600);
  return jcts;
}

double gpus_of_role(const RunData& run, const std::string& role) {
  double gpus = 0;
  for (const auto& p : run.summary["pools"])
    if (p["role"] == role) gpus += p["gpus"].get<double>();
  return gpus;
}

}  // namespace gpufleet::report
