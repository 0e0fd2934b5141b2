// `gpufleet import slurm`: sacct's --parsable2 and --json outputs. Steps collapse onto their
// job; array tasks and heterogeneous components are jobs of their own (docs/importers.md).
#include <map>

#include "formats/json_fields.hpp"
#include "import/slurm.hpp"
#include "model/input_error.hpp"

namespace gpufleet {

namespace {

const char* kFormatFix =
    "run sacct -a -P --format=JobID,User,Account,Partition,State,Submit,Eligible,Start,End,"
    "Elapsed,Timelimit,AllocTRES,ReqTRES (a header row, '|'-separated), or sacct --json";

// Column positions from the header row: any order, unknown columns ignored.
class SacctColumns {
 public:
  SacctColumns(const std::string& file, const std::string& header) {
    if (header.find('|') == std::string::npos)
      throw InputError(file, "line 1",
                       "no '|' in the first line: not sacct --parsable2 output with its header",
                       kFormatFix);
    const auto names = split_fields(header, '|');
    for (size_t i = 0; i < names.size(); ++i) index_[std::string(names[i])] = i;
    count_ = names.size();
    std::string missing;
    for (const char* name : {"JobID", "State", "Submit", "Start", "End"})
      if (!index_.count(name)) missing += std::string(missing.empty() ? "" : ", ") + name;
    if (!index_.count("AllocTRES") && !index_.count("ReqTRES"))
      missing += std::string(missing.empty() ? "" : ", ") + "AllocTRES (or ReqTRES)";
    if (!missing.empty())
      throw InputError(file, "line 1",
                       "the header has no column " + missing +
                           (index_.count("JobID") ? "" : " (is the header missing?)"),
                       kFormatFix);
  }
  size_t count() const { return count_; }
  bool has(const char* name) const { return index_.count(name) > 0; }
  std::string get(const std::vector<std::string_view>& row, const char* name) const {
    const auto at = index_.find(name);
    return at == index_.end() ? std::string() : std::string(row[at->second]);
  }

 private:
  std::map<std::string, size_t> index_;
  size_t count_ = 0;
};

SacctRecord text_record(const SacctColumns& c, const std::vector<std::string_view>& row) {
  SacctRecord r;
  r.id = c.get(row, "JobID");
  r.user = c.get(row, "User");
  r.account = c.get(row, "Account");
  r.partition = c.get(row, "Partition");
  r.state = c.get(row, "State");
  r.submit = sacct_time_s(c.get(row, "Submit"), "Submit");
  r.eligible = sacct_time_s(c.get(row, "Eligible"), "Eligible");
  r.start = sacct_time_s(c.get(row, "Start"), "Start");
  r.end = sacct_time_s(c.get(row, "End"), "End");
  if (c.has("Elapsed")) r.elapsed = sacct_duration_s(c.get(row, "Elapsed"), "Elapsed");
  r.limit_s = sacct_duration_s(c.get(row, "Timelimit"), "Timelimit");
  const std::string alloc = c.get(row, "AllocTRES");
  if (c.has("AllocTRES")) r.allocated = !alloc.empty();
  r.gpus = alloc.empty() ? gpus_of_tres(c.get(row, "ReqTRES"), "ReqTRES")
                         : gpus_of_tres(alloc, "AllocTRES");
  return r;
}

// Slurm 22.05 writes plain numbers; 23.02 and later {"set": true, "infinite": false,
// "number": N}. -1 for unset or infinite.
double json_number(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_object() && v.value("set", false) && !v.value("infinite", false) &&
      v.contains("number") && v["number"].is_number())
    return v["number"].get<double>();
  return -1;
}

std::string json_text(const nlohmann::json& job, const char* key) {
  if (!job.contains(key) || job[key].is_null()) return {};
  if (!job[key].is_string())
    throw RowError("bad field", std::string(key) + " is not a string", "sacct --json writes one");
  return job[key].get<std::string>();
}

SlurmGpus json_gpus(const nlohmann::json& list, const char* field) {
  std::string tres;  // rebuilt as a TRES list: one parser for both formats
  for (const auto& t : list) {
    if (!t.is_object() || t.value("type", "") != "gres" || !t.contains("name") ||
        !t["name"].is_string())
      continue;
    const double n = t.contains("count") ? json_number(t["count"]) : -1;
    tres += "gres/" + t["name"].get<std::string>() + "=" +
            (n >= 0 && n == std::floor(n) && n <= 1e9 ? std::to_string(static_cast<long>(n))
                                                      : std::string("nan")) +
            ",";
  }
  return gpus_of_tres(tres, field);
}

// A time of sacct --json: seconds since 1970 (UTC), 0 when unknown.
double json_time(const nlohmann::json& time, const char* key) {
  if (!time.contains(key))
    throw RowError("missing field", std::string("time.") + key + " is missing",
                   "pass sacct --json output as printed");
  const double t = json_number(time[key]);
  if (t < 0 || t > 1e11)
    throw RowError("bad time", std::string("time.") + key + " is not seconds since 1970",
                   "pass sacct --json output as printed");
  return t > 0 ? t : -1;
}

SacctRecord json_record(const nlohmann::json& job) {
  if (!job.is_object() || !job.contains("job_id") || !job.contains("state") ||
      !job.contains("time") || !job["time"].is_object())
    throw RowError("missing field", "a job without job_id, state or time",
                   "pass sacct --json output as printed");
  SacctRecord r;
  const long id = static_cast<long>(json_number(job["job_id"]));
  const auto& array = job.value("array", nlohmann::json::object());
  const auto& het = job.value("het", nlohmann::json::object());
  const double array_id = array.contains("job_id") ? json_number(array["job_id"]) : 0;
  const double task = array.contains("task_id") ? json_number(array["task_id"]) : -1;
  const double het_id = het.contains("job_id") ? json_number(het["job_id"]) : 0;
  const double offset = het.contains("job_offset") ? json_number(het["job_offset"]) : -1;
  // The ids sacct's text prints: "3_1" for an array task, "7+0" for a hetjob component.
  if (array_id > 0 && task >= 0)
    r.id =
        std::to_string(static_cast<long>(array_id)) + "_" + std::to_string(static_cast<long>(task));
  else if (het_id > 0 && offset >= 0)
    r.id =
        std::to_string(static_cast<long>(het_id)) + "+" + std::to_string(static_cast<long>(offset));
  else
    r.id = std::to_string(id);
  r.user = json_text(job, "user");
  r.account = json_text(job, "account");
  r.partition = json_text(job, "partition");
  const auto& state =
      job["state"].is_object() ? job["state"].value("current", nlohmann::json()) : job["state"];
  // 22.05: "COMPLETED"; 23.02 and later: ["COMPLETED"].
  if (state.is_string()) r.state = state.get<std::string>();
  if (state.is_array() && !state.empty() && state[0].is_string())
    r.state = state[0].get<std::string>();
  const auto& time = job["time"];
  r.submit = json_time(time, "submission");
  r.eligible = json_time(time, "eligible");
  r.start = json_time(time, "start");
  r.end = json_time(time, "end");
  if (time.contains("elapsed")) r.elapsed = std::max(-1.0, json_number(time["elapsed"]));
  // Minutes; unset or infinite: no limit (22.05 prints 4294967295 for UNLIMITED).
  const double limit = time.contains("limit") ? json_number(time["limit"]) : -1;
  r.limit_s = limit > 0 && limit < 4294967295.0 ? limit * 60 : 0;
  const auto& tres = job.value("tres", nlohmann::json::object());
  const auto& alloc = tres.value("allocated", nlohmann::json::array());
  r.allocated = alloc.is_array() && !alloc.empty();
  r.gpus = r.allocated
               ? json_gpus(alloc, "tres.allocated")
               : json_gpus(tres.value("requested", nlohmann::json::array()), "tres.requested");
  return r;
}

}  // namespace

void read_sacct_text(const std::string& file, const ImportOptions& options, SlurmJobs& jobs,
                     ImportReport& report) {
  LineReader reader(file);
  std::string header;
  if (!reader.next(header)) throw InputError(file, "", "the file is empty", kFormatFix);
  const SacctColumns columns(file, header);
  for_each_row(reader, options.lenient, report, [&](const std::string& line) {
    const auto row = split_fields(line, '|');
    if (row.size() != columns.count())
      throw RowError("truncated row",
                     "has " + std::to_string(row.size()) + " fields, the header " +
                         std::to_string(columns.count()),
                     "every row has the header's '|'-separated fields (a '|' inside a JobName "
                     "breaks rows: leave JobName out of --format)");
    if (columns.get(row, "JobID").find('.') != std::string::npos) {
      ++report.dropped["job step rows (123.batch, 123.0): their job's own row is used"];
      return;
    }
    jobs.add(text_record(columns, row));
  });
}

void read_sacct_json(const std::string& file, const ImportOptions& options, SlurmJobs& jobs,
                     ImportReport& report) {
  const auto doc = read_json_file(file);
  if (!doc.is_object() || !doc.contains("jobs") || !doc["jobs"].is_array())
    throw InputError(file, "jobs", "no \"jobs\" array: not sacct --json output", kFormatFix);
  const auto& list = doc["jobs"];
  for (size_t i = 0; i < list.size(); ++i) {
    ++report.rows;
    try {
      jobs.add(json_record(list[i]));
    } catch (const RowError& e) {
      if (!options.lenient)
        throw InputError(file, "jobs[" + std::to_string(i) + "]", e.kind() + ": " + e.what(),
                         e.fix() + "; or pass --lenient to skip and count such jobs");
      ++report.dropped["malformed row: " + e.kind()];
    }
  }
}

Imported import_slurm(const std::vector<std::string>& inputs, const ImportOptions& options) {
  Imported out;
  SlurmJobs jobs(read_partition_map(options.partition_map), out);
  int json_files = 0;
  for (const auto& file : inputs) {
    LineReader probe(file);
    std::string first;
    probe.next(first);
    json_files += first.find_first_not_of(" \t") != std::string::npos &&
                  first[first.find_first_not_of(" \t")] == '{';
  }
  // Text times are the local time sacct printed, JSON's are UTC: one window, one clock.
  if (json_files > 0 && json_files < static_cast<int>(inputs.size()))
    throw std::invalid_argument(
        "slurm: give either sacct --parsable2 files or sacct --json files, not both (their "
        "times are in different time zones)");
  for (const auto& file : inputs) {
    if (json_files > 0)
      read_sacct_json(file, options, jobs, out.report);
    else
      read_sacct_text(file, options, jobs, out.report);
  }
  jobs.finish();
  return out;
}

}  // namespace gpufleet
