#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpufleet {

// The weekly shape of an inference demand: the rate in each hour of the week relative to
// the weekly mean (so the values average 1), plus how much a real hour strays from it.
struct DemandShape {
  std::string source;           // where the shape was derived from, for citation
  std::vector<double> by_hour;  // 168 values, hour 0 = the first hour of the trace
  double hourly_log_sigma = 0;  // std. dev. of log(hour's rate / shape) in the trace
  double peak_over_mean = 0;    // max of by_hour (its mean is 1)
  // The trace's own resolution: windows of window_s within an hour stray from the hour's rate
  // by window_log_sigma (log std. dev.), and requests arrive with inter-arrival CV arrival_cv
  // (the superposition of the clients': sqrt of their rate-weighted squared CVs).
  double window_s = 3600;
  double window_log_sigma = 0;
  double arrival_cv = 1;
};

// Derives the shape from a ServeGen client-trace directory (Alibaba ServeGen, data/language/
// <model>/chunk-*-trace.csv: window_start_s, request_rate_per_s, ...): sums the rate over
// clients per window, averages windows into hours, and hours of the same hour-of-week over
// the weeks of the trace. Hours with no requests at all are treated as gaps in the data.
// Throws InputError naming the file and line of anything that does not parse.
DemandShape derive_servegen_shape(const std::string& directory);

// The parts it is made of, also used by the servegen importer: the chunk-*-trace.csv files of
// a directory (sorted), the request rate summed over clients by window start (seconds), and
// the window length (600 s in ServeGen).
std::vector<std::string> servegen_trace_files(const std::string& directory);
// Adds the data rows read to *rows when given.
std::map<long, double> servegen_total_rate(const std::vector<std::string>& files,
                                           long* rows = nullptr);
long servegen_window_s(const std::map<long, double>& total, const std::string& directory);
// Per window start, the sum over clients of rate x CV^2 of inter-arrival times: divided by the
// summed rate, the squared CV of the superposed arrivals (Whitt's QNA, asymptotic method).
std::map<long, double> servegen_rate_cv2(const std::vector<std::string>& files);

DemandShape load_demand_shape(const std::string& file);
nlohmann::json demand_shape_to_json(const DemandShape& shape);

}  // namespace gpufleet
