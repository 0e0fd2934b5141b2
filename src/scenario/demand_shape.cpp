#include "scenario/demand_shape.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "formats/json_fields.hpp"
#include "model/duration.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

constexpr int kHoursPerWeek = 168;

// Bounds of a row's figures: a trace spans at most ten years (kMaxSeconds), and no service
// sees a billion requests per second.
constexpr double kMaxRatePerS = 1e9;

double parse_number(const std::string& text, const std::string& file, long line, const char* column,
                    double max) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(x) || x < 0 || x > max)
    throw InputError(file, "line " + std::to_string(line) + ", " + column,
                     "expected a number from 0 to " + std::to_string(static_cast<long>(max)) +
                         ", got '" + printable(text) + "'",
                     "ServeGen rows read window_start_s,request_rate_per_s,cv,distribution,p1,p2");
  return x;
}

// The trace's own resolution: how its windows stray from their hour, and how bursty arrivals
// are within a window (rate-weighted over the whole trace).
void add_window_figures(DemandShape& shape, const std::map<long, double>& total,
                        const std::map<long, double>& rate_cv2, const std::vector<double>& hourly,
                        long window) {
  double squares = 0, rate = 0, cv2 = 0;
  long samples = 0;
  for (const auto& [start, r] : total) {
    const double hour = hourly[start / 3600];
    if (r <= 0 || hour <= 0) continue;
    const double d = std::log(r / hour);
    squares += d * d;
    ++samples;
    rate += r;
    const auto it = rate_cv2.find(start);
    cv2 += it == rate_cv2.end() ? r : it->second;
  }
  shape.window_s = static_cast<double>(window);
  shape.window_log_sigma = samples > 1 ? std::sqrt(squares / (samples - 1)) : 0.0;
  shape.arrival_cv = rate > 0 ? std::sqrt(cv2 / rate) : 1.0;
}

// Calls row(file, line, fields) with the first three comma-separated fields of every non-empty
// row of the files (fewer when the row has fewer).
template <class Row>
void for_each_servegen_row(const std::vector<std::string>& files, const Row& row) {
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) throw InputError(file, "", "cannot open the file", "check its permissions");
    std::string text;
    long line = 0;
    while (std::getline(in, text)) {
      ++line;
      if (text.empty()) continue;
      std::vector<std::string> fields;
      for (size_t start = 0, end = 0; end != std::string::npos && fields.size() < 3;
           start = end + 1) {
        end = text.find(',', start);
        fields.push_back(text.substr(start, end == std::string::npos ? end : end - start));
      }
      row(file, line, fields);
    }
  }
}

}  // namespace

std::map<long, double> servegen_total_rate(const std::vector<std::string>& files, long* rows) {
  std::map<long, double> total;
  for_each_servegen_row(files, [&](const std::string& file, long line, const auto& fields) {
    if (fields.size() < 2)
      throw InputError(file, "line " + std::to_string(line), "expected comma-separated fields",
                       "is this a ServeGen chunk-*-trace.csv file?");
    const double start = parse_number(fields[0], file, line, "window_start_s", kMaxSeconds);
    const double rate = parse_number(fields[1], file, line, "request_rate_per_s", kMaxRatePerS);
    total[std::lround(start)] += rate;
    if (rows) ++*rows;
  });
  return total;
}

std::map<long, double> servegen_rate_cv2(const std::vector<std::string>& files) {
  std::map<long, double> total;
  for_each_servegen_row(files, [&](const std::string& file, long line, const auto& fields) {
    // Rows without a CV (no request in the window) add nothing.
    if (fields.size() < 3 || fields[2].empty()) return;
    const double start = parse_number(fields[0], file, line, "window_start_s", kMaxSeconds);
    const double rate = parse_number(fields[1], file, line, "request_rate_per_s", kMaxRatePerS);
    const double cv = parse_number(fields[2], file, line, "cv", kMaxRatePerS);
    total[std::lround(start)] += rate * cv * cv;
  });
  return total;
}

std::vector<std::string> servegen_trace_files(const std::string& directory) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(directory))
    throw InputError(directory, "", "not a directory",
                     "pass a ServeGen model directory, e.g. "
                     "data/traces/alibaba-servegen-2025/m-small (scripts/fetch-traces.sh)");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(directory))
    if (entry.path().extension() == ".csv") files.push_back(entry.path().string());
  if (files.empty())
    throw InputError(directory, "", "no .csv files", "expected ServeGen chunk-*-trace.csv files");
  std::sort(files.begin(), files.end());  // a fixed summation order: byte-identical output
  return files;
}

long servegen_window_s(const std::map<long, double>& total, const std::string& directory) {
  long window = 0;
  for (auto it = total.begin(); std::next(it) != total.end(); ++it) {
    const long gap = std::next(it)->first - it->first;
    if (window == 0 || gap < window) window = gap;
  }
  if (window <= 0 || 3600 % window != 0)
    throw InputError(directory, "window_start_s",
                     "windows of " + std::to_string(window) + " s do not divide an hour",
                     "ServeGen windows are 600 s");
  return window;
}

DemandShape derive_servegen_shape(const std::string& directory) {
  const auto files = servegen_trace_files(directory);
  const auto total = servegen_total_rate(files);
  if (total.size() < 2) throw InputError(directory, "", "fewer than two time windows");
  const long window = servegen_window_s(total, directory);
  const long hours = total.rbegin()->first / 3600 + 1;
  if (hours < kHoursPerWeek)
    throw InputError(directory, "window_start_s",
                     "the trace covers " + std::to_string(hours) + " hours, less than a week",
                     "a weekly shape needs at least 168 hours of trace");

  std::vector<double> hourly(hours, 0.0);
  for (const auto& [start, rate] : total) hourly[start / 3600] += rate * window / 3600.0;

  // Hour-of-week means over the weeks of the trace, and the log-scatter of hours around them.
  std::vector<double> sum(kHoursPerWeek, 0.0), log_sum(kHoursPerWeek, 0.0);
  std::vector<int> count(kHoursPerWeek, 0);
  for (long h = 0; h < hours; ++h) {
    if (hourly[h] <= 0) continue;  // no request at all from any client: a gap in the data
    sum[h % kHoursPerWeek] += hourly[h];
    log_sum[h % kHoursPerWeek] += std::log(hourly[h]);
    ++count[h % kHoursPerWeek];
  }
  DemandShape shape;
  shape.source = "Alibaba ServeGen (2025), " +
                 std::filesystem::path(directory).filename().string() +
                 ": request rate summed over clients, hour-of-week mean over " +
                 std::to_string(hours / kHoursPerWeek) + " week(s)";
  double mean = 0;
  for (int h = 0; h < kHoursPerWeek; ++h) {
    if (count[h] == 0)
      throw InputError(directory, "hour of week " + std::to_string(h), "no request in any week",
                       "use a trace with data in every hour of the week");
    shape.by_hour.push_back(sum[h] / count[h]);
    mean += shape.by_hour.back() / kHoursPerWeek;
  }
  for (double& v : shape.by_hour) v /= mean;
  shape.peak_over_mean = *std::max_element(shape.by_hour.begin(), shape.by_hour.end());

  // Pooled within-hour-of-week variance of log rates (n - groups degrees of freedom).
  double squares = 0;
  long samples = 0;
  int groups = 0;
  for (long h = 0; h < hours; ++h) {
    if (hourly[h] <= 0) continue;
    const int k = h % kHoursPerWeek;
    const double d = std::log(hourly[h]) - log_sum[k] / count[k];
    squares += d * d;
    ++samples;
  }
  for (int k = 0; k < kHoursPerWeek; ++k) groups += count[k] > 0;
  shape.hourly_log_sigma = samples > groups ? std::sqrt(squares / (samples - groups)) : 0.0;
  add_window_figures(shape, total, servegen_rate_cv2(files), hourly, window);
  return shape;
}

DemandShape load_demand_shape(const std::string& file) {
  const auto doc = read_json_file(file);
  const JsonFields f(doc, file, "");
  f.reject_unknown({"source", "by_hour", "hourly_log_sigma", "peak_over_mean", "window_s",
                    "window_log_sigma", "arrival_cv"});
  DemandShape shape;
  shape.source = f.text("source");
  shape.hourly_log_sigma = f.non_negative("hourly_log_sigma");
  shape.window_s = f.has("window_s") ? f.positive("window_s") : 3600;
  if (shape.window_s < 1 || shape.window_s > 3600 || std::fmod(3600, shape.window_s) != 0)
    f.fail("window_s", "is " + std::to_string(shape.window_s) + " s",
           "give a window of 1 to 3600 s that divides an hour (ServeGen's: 600)");
  shape.window_log_sigma = f.non_negative_or("window_log_sigma", 0);
  shape.arrival_cv = f.non_negative_or("arrival_cv", 1);
  if (shape.window_log_sigma > 10 || shape.arrival_cv > 100)
    f.fail(shape.arrival_cv > 100 ? "arrival_cv" : "window_log_sigma", "is beyond its bound",
           "window_log_sigma is at most 10, arrival_cv at most 100");
  const auto& values = f.array("by_hour");
  if (values.size() != kHoursPerWeek)
    f.fail("by_hour",
           "expected 168 values (one per hour of the week), got " + std::to_string(values.size()));
  double sum = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    // Relative rates: bounded so that their sum stays finite and renormalizing means something.
    if (!values[i].is_number() || values[i].get<double>() < 0 ||
        values[i].get<double>() > kMaxRatePerS)
      f.fail("by_hour[" + std::to_string(i) + "]", "expected a number from 0 to 1e9");
    shape.by_hour.push_back(values[i].get<double>());
    sum += shape.by_hour.back();
  }
  if (!(sum > 0)) f.fail("by_hour", "all values are zero", "a shape needs some demand");
  // The file may be hand-edited: renormalize rather than trust that it averages 1.
  for (double& v : shape.by_hour) v *= kHoursPerWeek / sum;
  shape.peak_over_mean = *std::max_element(shape.by_hour.begin(), shape.by_hour.end());
  return shape;
}

nlohmann::json demand_shape_to_json(const DemandShape& shape) {
  nlohmann::json by_hour = nlohmann::json::array();
  for (double v : shape.by_hour) by_hour.push_back(std::round(v * 1e6) / 1e6);
  return {{"source", shape.source},
          {"by_hour", by_hour},
          {"hourly_log_sigma", std::round(shape.hourly_log_sigma * 1e6) / 1e6},
          {"peak_over_mean", std::round(shape.peak_over_mean * 1e6) / 1e6},
          {"window_s", shape.window_s},
          {"window_log_sigma", std::round(shape.window_log_sigma * 1e6) / 1e6},
          {"arrival_cv", std::round(shape.arrival_cv * 1e6) / 1e6}};
}

}  // namespace gpufleet
