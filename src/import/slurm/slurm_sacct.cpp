// `gpufleet import slurm`: sacct's --parsable2 and --json outputs, and the values in them (times,
// time limits, TRES lists). Steps collapse onto their job; array tasks and heterogeneous
// components are jobs of their own (docs/importers.md).
#include <charconv>
#include <cmath>
#include <map>

#include "formats/json_fields.hpp"
#include "import/civil_date.hpp"
#include "import/slurm/slurm.hpp"
#include "model/input_error.hpp"

namespace gpufleet {

namespace {

constexpr long kMaxGpus = 1'000'000;  // per job or node: far beyond any machine

long whole(std::string_view text, std::string_view field) {
  long x = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || x < 0 ||
      x > kMaxGpus)
    throw RowError("bad number",
                   "field '" + std::string(field) + "' has GPU count '" + printable(text) +
                       "', not a whole number from 0 to 1000000",
                   "GPU counts are whole numbers, e.g. gres/gpu:h100=8");
  return x;
}

int two_digits(std::string_view text, size_t at) {
  const char a = text[at], b = text[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
  return (a - '0') * 10 + (b - '0');
}

[[noreturn]] void bad_time(std::string_view text, std::string_view field) {
  throw RowError("bad time",
                 "field '" + std::string(field) + "' is '" + printable(text) +
                     "', not a sacct time such as 2026-12-07T05:36:57",
                 "run sacct without SLURM_TIME_FORMAT (its default ISO format), or fix the row");
}

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
  if (r.id.empty())  // a job is known by its id: the workload refuses one without
    throw RowError("missing field", "JobID is empty",
                   "every sacct row names its job (sacct -P --format=JobID,...)");
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

SlurmGpus gpus_of_tres(std::string_view tres, std::string_view field) {
  SlurmGpus gpus;
  long untyped = -1, typed = 0;
  for (const auto item : split_fields(tres, ',')) {
    const auto eq = item.find('=');
    const auto key = item.substr(0, eq);
    if (key != "gres/gpu" && key.rfind("gres/gpu:", 0) != 0) continue;
    if (eq == std::string_view::npos)
      throw RowError(
          "bad number",
          "field '" + std::string(field) + "' has '" + printable(item) + "' without a count",
          "write gres/gpu[:type]=N");
    const long count = whole(item.substr(eq + 1), field);
    if (key == "gres/gpu") {
      untyped = count;
      continue;
    }
    const std::string type(key.substr(9));
    if (count == 0) continue;
    if (!gpus.type.empty() && gpus.type != type)
      throw RowError("GPUs of two types",
                     "field '" + std::string(field) + "' gives GPUs of types " + gpus.type +
                         " and " + printable(type) + " to one job",
                     "gpufleet places a job on one GPU model: split the job, or drop the row");
    gpus.type = type;
    typed += count;
  }
  // gres/gpu counts all of the job's GPUs; the typed entries, when the cluster tracks them
  // (AccountingStorageTRES=gres/gpu:TYPE), say which ones.
  gpus.count = untyped >= 0 ? std::max(untyped, typed) : typed;
  return gpus;
}

double sacct_time_s(std::string_view text, std::string_view field) {
  if (text.empty() || text == "Unknown" || text == "None") return -1;
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':')
    bad_time(text, field);
  const int c = two_digits(text, 0), y = two_digits(text, 2), mo = two_digits(text, 5),
            d = two_digits(text, 8), h = two_digits(text, 11), mi = two_digits(text, 14),
            s = two_digits(text, 17);
  if (c < 0 || y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
      mi > 59 || s < 0 || s > 60)
    bad_time(text, field);
  const long days = days_from_civil(c * 100 + y, mo, d);
  return static_cast<double>(days) * 86400 + h * 3600 + mi * 60 + s;
}

double sacct_duration_s(std::string_view text, std::string_view field) {
  if (text.empty() || text == "UNLIMITED" || text == "Partition_Limit" || text == "INVALID")
    return 0;
  const auto bad = [&] {
    throw RowError("bad time limit",
                   "field '" + std::string(field) + "' is '" + printable(text) +
                       "', not D-HH:MM:SS, HH:MM:SS, MM:SS or UNLIMITED",
                   "write a limit as sacct prints it, e.g. 1-00:00:00");
  };
  long days = 0;
  std::string_view rest = text;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    const auto d = text.substr(0, dash);
    const auto [end, error] = std::from_chars(d.data(), d.data() + d.size(), days);
    if (d.empty() || error != std::errc() || end != d.data() + d.size() || days < 0 || days > 3660)
      bad();
    rest = text.substr(dash + 1);
  }
  const auto parts = split_fields(rest, ':');
  if (parts.size() < 2 || parts.size() > 3 || (days > 0 && parts.size() != 3)) bad();
  double seconds = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    long x = 0;
    const auto part = parts[i];
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), x);
    // Minutes and seconds below 60; the leading part (hours, or minutes of MM:SS) below 24
    // after days, else below 100000.
    const long most = i > 0 ? 59 : days > 0 ? 23 : 99999;
    if (part.empty() || error != std::errc() || end != part.data() + part.size() || x < 0 ||
        x > most)
      bad();
    seconds = seconds * 60 + static_cast<double>(x);
  }
  return days * 86400.0 + seconds;
}

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
