#include "outputs/series_outputs.hpp"

#include "outputs/csv_numbers.hpp"

namespace gpufleet {

namespace {

double ratio_or(double a, double b, double otherwise) {
  return b > 0 ? a / b : otherwise;
}

}  // namespace

std::string queue_timeseries_csv(const RunResult& r) {
  const auto& queue = r.series.training_queue;
  std::string out = "time_s,waiting_training_jobs\n";
  for (int bin = 0; bin < queue.bins(); ++bin)
    out += csv_fixed(queue.bin_start(bin), 0) + ',' + csv_fixed(queue.mean(0, bin), 6) + '\n';
  return out;
}

std::string pools_timeseries_csv(const Fleet& fleet, const RunResult& r) {
  std::string out = "time_s,pool,idle_gpus,fragmented_gpus,fragmentation_rate,down_gpus\n";
  const auto& idle = r.series.idle_gpus;
  for (int bin = 0; bin < idle.bins(); ++bin)
    for (int p = 0; p < idle.series(); ++p) {
      const double fragmented = r.series.fragmented_gpus.integral(p, bin);
      out += csv_fixed(idle.bin_start(bin), 0) + ',' + fleet.pools[p].name + ',' +
             csv_fixed(idle.mean(p, bin), 6) + ',' +
             csv_fixed(r.series.fragmented_gpus.mean(p, bin), 6) + ',' +
             csv_fixed(ratio_or(fragmented, idle.integral(p, bin), 0.0), 6) + ',' +
             csv_fixed(r.series.down_gpus.mean(p, bin), 6) + '\n';
    }
  return out;
}

std::string services_timeseries_csv(const Workload& w, const RunResult& r) {
  // `unit` names what demand counts (tokens, requests): the rates are in units per second;
  // slo_attainment is the share of demand served within the latency target.
  const auto& demand = r.series.demand_units;
  std::string out = "time_s,service,unit,demand_per_s,served_per_s,on_time_per_s,slo_attainment\n";
  for (int bin = 0; bin < demand.bins(); ++bin)
    for (int s = 0; s < demand.series(); ++s)
      out +=
          csv_fixed(demand.bin_start(bin), 0) + ',' + w.inference[s].id + ',' +
          w.inference[s].unit + ',' + csv_fixed(demand.mean(s, bin), 6) + ',' +
          csv_fixed(r.series.served_units.mean(s, bin), 6) + ',' +
          csv_fixed(r.series.on_time_units.mean(s, bin), 6) + ',' +
          csv_fixed(ratio_or(r.series.on_time_units.integral(s, bin), demand.integral(s, bin), 1.0),
                    6) +
          '\n';
  return out;
}

}  // namespace gpufleet
