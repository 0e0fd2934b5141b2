#pragma once

#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpufleet::report {

// One row of timeseries.csv.
struct UsageRow {
  double time_s = 0;
  std::string pool;
  std::string job_class;
  double allocated_gpus = 0;
  double effective_flops_per_s = 0;
};

// One row of services_timeseries.csv: a service's mean demand and served rate over a bin.
struct ServiceRow {
  double time_s = 0;
  std::string service;
  double demand_per_s = 0;
  double served_per_s = 0;
};

// One row of jobs.csv; a time that does not exist is -1.
struct JobRow {
  std::string id;
  std::string job_class;
  std::string pool;
  int gpus = 0;
  double submit_s = -1, start_s = -1, end_s = -1;
  std::string state;
};

// A run's outputs as the report reads them back (docs/metrics.md describes the files).
struct RunData {
  std::string name;  // the run directory, or the policy in a comparison
  nlohmann::json summary;
  std::vector<JobRow> jobs;
  std::vector<UsageRow> usage;
  std::vector<ServiceRow> services;  // empty for outputs written before the file existed
};

// Parses a run's outputs; `origin` names them in errors (InputError with the file and line).
// An empty services_csv means the run has none.
RunData parse_run(const std::string& origin, const std::string& summary_json,
                  const std::string& jobs_csv, const std::string& timeseries_csv,
                  const std::string& services_csv = "");

// Reads summary.json, jobs.csv, timeseries.csv and, when present, services_timeseries.csv
// from a run's output directory.
RunData load_run(const std::string& directory);

// A run's output file `name` (e.g. "jobs.csv") from its folder, plain or, when only FILE.gz is
// there (run --compress), decompressed; InputError naming the plain file when neither is.
std::string read_output_file(const std::string& directory, const std::string& name,
                             const std::string& fix);

// The next record of a CSV text (RFC 4180: a quoted field may hold commas, doubled quotes and
// line breaks; CRLF ends a record as LF does); false at the end of the text.
bool next_csv_record(std::istream& in, std::vector<std::string>& fields);

// The whole text of a file; InputError naming it (and the fix) when it cannot be read.
std::string read_text_file(const std::string& path, const std::string& fix);

}  // namespace gpufleet::report
