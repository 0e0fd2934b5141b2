#include "outputs/series_outputs.hpp"

#include <cstdio>

namespace gpufleet {

namespace {

double ratio_or(double a, double b, double otherwise) {
  return b > 0 ? a / b : otherwise;
}

// One row per bin and series: time, the series' name, the two series' means and their ratio
// (`empty` when the second is zero over the bin).
std::string paired_rows(const BinnedSeries& part, const BinnedSeries& whole, auto name,
                        double empty) {
  std::string out;
  char buffer[256];
  for (int bin = 0; bin < whole.bins(); ++bin)
    for (int s = 0; s < whole.series(); ++s) {
      std::snprintf(buffer, sizeof buffer, "%.0f,%s,%.6f,%.6f,%.6f\n", whole.bin_start(bin),
                    name(s).c_str(), whole.mean(s, bin), part.mean(s, bin),
                    ratio_or(part.integral(s, bin), whole.integral(s, bin), empty));
      out += buffer;
    }
  return out;
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
  // `unit` names what demand counts (tokens, requests): demand_per_s is in units per second.
  return "time_s,service,unit,demand_per_s,served_per_s,slo_attainment\n" +
         paired_rows(
             r.series.served_units, r.series.demand_units,
             [&](int s) { return w.inference[s].id + "," + w.inference[s].unit; }, 1.0);
}

}  // namespace gpufleet
