#include "outputs/series_outputs.hpp"

#include <cstdio>

namespace gpufleet {

namespace {

double ratio_or(double a, double b, double otherwise) {
  return b > 0 ? a / b : otherwise;
}

}  // namespace

std::string queue_timeseries_csv(const RunResult& r) {
  const auto& queue = r.series.training_queue;
  std::string out = "time_s,waiting_training_jobs\n";
  char buffer[128];
  for (int bin = 0; bin < queue.bins(); ++bin) {
    std::snprintf(buffer, sizeof buffer, "%.0f,%.6f\n", queue.bin_start(bin), queue.mean(0, bin));
    out += buffer;
  }
  return out;
}

std::string pools_timeseries_csv(const Fleet& fleet, const RunResult& r) {
  std::string out = "time_s,pool,idle_gpus,fragmented_gpus,fragmentation_rate,down_gpus\n";
  char buffer[256];
  const auto& idle = r.series.idle_gpus;
  for (int bin = 0; bin < idle.bins(); ++bin)
    for (int p = 0; p < idle.series(); ++p) {
      const double fragmented = r.series.fragmented_gpus.integral(p, bin);
      std::snprintf(
          buffer, sizeof buffer, "%.0f,%s,%.6f,%.6f,%.6f,%.6f\n", idle.bin_start(bin),
          fleet.pools[p].name.c_str(), idle.mean(p, bin), r.series.fragmented_gpus.mean(p, bin),
          ratio_or(fragmented, idle.integral(p, bin), 0.0), r.series.down_gpus.mean(p, bin));
      out += buffer;
    }
  return out;
}

std::string services_timeseries_csv(const Workload& w, const RunResult& r) {
  // `unit` names what demand counts (tokens, requests): the rates are in units per second;
  // slo_attainment is the share of demand served within the latency target.
  const auto& demand = r.series.demand_units;
  std::string out = "time_s,service,unit,demand_per_s,served_per_s,on_time_per_s,slo_attainment\n";
  char buffer[256];
  for (int bin = 0; bin < demand.bins(); ++bin)
    for (int s = 0; s < demand.series(); ++s) {
      std::snprintf(
          buffer, sizeof buffer, "%.0f,%s,%s,%.6f,%.6f,%.6f,%.6f\n", demand.bin_start(bin),
          w.inference[s].id.c_str(), w.inference[s].unit.c_str(), demand.mean(s, bin),
          r.series.served_units.mean(s, bin), r.series.on_time_units.mean(s, bin),
          ratio_or(r.series.on_time_units.integral(s, bin), demand.integral(s, bin), 1.0));
      out += buffer;
    }
  return out;
}

}  // namespace gpufleet
