#include "report/run_data.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "formats/gzip_text.hpp"
#include "model/input_error.hpp"

namespace gpufleet::report {

namespace {

class CsvReader {
 public:
  CsvReader(std::string file, const std::string& text, const std::vector<std::string>& needed)
      : file_(std::move(file)), in_(text) {
    std::vector<std::string> names;
    if (!next_csv_record(in_, names)) fail("the file is empty");
    for (size_t i = 0; i < names.size(); ++i) columns_[names[i]] = i;
    for (const auto& n : needed)
      if (!columns_.count(n)) fail("header has no column '" + n + "'");
  }

  bool next() {
    if (!next_csv_record(in_, fields_) || (fields_.size() == 1 && fields_[0].empty())) return false;
    ++line_;
    if (fields_.size() != columns_.size())
      fail("expected " + std::to_string(columns_.size()) + " fields, got " +
           std::to_string(fields_.size()));
    return true;
  }
  const std::string& text(const std::string& column) const { return fields_[columns_.at(column)]; }
  double number(const std::string& column, double if_empty) const {
    const std::string& t = text(column);
    if (t.empty()) return if_empty;
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != t.size()) fail("column '" + column + "': '" + t + "' is not a number");
    return v;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(file_, "line " + std::to_string(line_), problem,
                     "the run's outputs are damaged: run it again");
  }

 private:
  std::string file_;
  std::istringstream in_;
  std::map<std::string, size_t> columns_;
  std::vector<std::string> fields_;
  int line_ = 1;
};

std::vector<JobRow> parse_jobs(const std::string& file, const std::string& text) {
  CsvReader csv(file, text,
                {"id", "class", "pool", "gpus", "submit_s", "start_s", "end_s", "state"});
  std::vector<JobRow> rows;
  while (csv.next())
    rows.push_back({csv.text("id"), csv.text("class"), csv.text("pool"),
                    static_cast<int>(csv.number("gpus", 0)), csv.number("submit_s", -1),
                    csv.number("start_s", -1), csv.number("end_s", -1), csv.text("state")});
  return rows;
}

std::vector<UsageRow> parse_usage(const std::string& file, const std::string& text) {
  CsvReader csv(file, text, {"time_s", "pool", "class", "allocated_gpus", "effective_flops_per_s"});
  std::vector<UsageRow> rows;
  while (csv.next())
    rows.push_back({csv.number("time_s", 0), csv.text("pool"), csv.text("class"),
                    csv.number("allocated_gpus", 0), csv.number("effective_flops_per_s", 0)});
  return rows;
}

std::vector<ServiceRow> parse_services(const std::string& file, const std::string& text) {
  CsvReader csv(file, text, {"time_s", "service", "demand_per_s", "served_per_s"});
  std::vector<ServiceRow> rows;
  while (csv.next())
    rows.push_back({csv.number("time_s", 0), csv.text("service"), csv.number("demand_per_s", 0),
                    csv.number("served_per_s", 0)});
  return rows;
}

void check_summary(const std::string& file, const nlohmann::json& s) {
  for (const char* key :
       {"policy", "horizon_s", "fleet", "pools", "training", "inference", "lease"})
    if (!s.contains(key))
      throw InputError(file, key, "missing: this is not a gpufleet summary.json",
                       "point at a directory written by 'gpufleet run' or 'gpufleet compare'");
}

}  // namespace

bool next_csv_record(std::istream& in, std::vector<std::string>& fields) {
  fields.assign(1, std::string());
  if (in.peek() == std::char_traits<char>::eof()) return false;
  bool quoted = false;
  for (int c; (c = in.get()) != std::char_traits<char>::eof();) {
    if (quoted) {
      if (c != '"')
        fields.back() += static_cast<char>(c);
      else if (in.peek() == '"')
        fields.back() += static_cast<char>(in.get());  // a doubled quote: one quote
      else
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      fields.back() += static_cast<char>(c);
    }
  }
  return true;
}

std::string read_text_file(const std::string& path, const std::string& fix) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot read the file", fix);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string read_output_file(const std::string& directory, const std::string& name,
                             const std::string& fix) {
  // `run --compress` writes FILE.gz instead of FILE, and removes the other form of each file:
  // a folder holds one of the two.
  const std::string plain = directory + "/" + name;
  const std::string gz = plain + ".gz";
  if (!std::filesystem::exists(plain) && std::filesystem::exists(gz))
    return gunzip_text(read_text_file(gz, fix), gz);
  return read_text_file(plain, fix);
}

RunData parse_run(const std::string& origin, const std::string& summary_json,
                  const std::string& jobs_csv, const std::string& timeseries_csv,
                  const std::string& services_csv) {
  RunData run;
  run.name = origin;
  const std::string summary_file = origin + "/summary.json";
  try {
    run.summary = nlohmann::json::parse(summary_json);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(summary_file, "", std::string("not valid JSON: ") + e.what(),
                     "the run's outputs are damaged: run it again");
  }
  check_summary(summary_file, run.summary);
  run.jobs = parse_jobs(origin + "/jobs.csv", jobs_csv);
  run.usage = parse_usage(origin + "/timeseries.csv", timeseries_csv);
  if (!services_csv.empty())
    run.services = parse_services(origin + "/services_timeseries.csv", services_csv);
  return run;
}

RunData load_run(const std::string& directory) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(directory))
    throw InputError(directory, "", "no such directory",
                     "give the --out directory of 'gpufleet run' or 'gpufleet compare'");
  const std::string fix = "give the --out directory of a finished 'gpufleet run'";
  const auto read = [&](const char* name) { return read_output_file(directory, name, fix); };
  // In this order, so that the first missing file is the one named.
  const std::string summary = read("summary.json");
  const std::string jobs = read("jobs.csv");
  const std::string usage = read("timeseries.csv");
  const std::string services = directory + "/services_timeseries.csv";
  const bool has_services = fs::exists(services) || fs::exists(services + ".gz");
  return parse_run(directory, summary, jobs, usage,
                   has_services ? read("services_timeseries.csv") : std::string());
}

}  // namespace gpufleet::report
