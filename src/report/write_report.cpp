#include <filesystem>

#include "formats/atomic_files.hpp"
#include "formats/json_fields.hpp"
#include "model/input_error.hpp"
#include "report/reports.hpp"

namespace gpufleet::report {

namespace {

// A comparison's outcomes from its comparison.json, with each successful run's outputs.
std::string comparison_report(const std::string& directory, const std::string& file) {
  const nlohmann::json doc = read_json_file(file);
  if (!doc.contains("runs") || !doc["runs"].is_array())
    throw InputError(file, "runs", "missing: this is not a gpufleet comparison.json",
                     "point at a directory written by 'gpufleet compare'");
  std::vector<PolicyOutcome> outcomes;
  std::vector<RunData> runs;
  for (const auto& r : doc["runs"]) {
    PolicyOutcome o;
    o.policy = r.value("policy", "");
    o.ok = r.value("status", "") == "ok";
    o.error = r["error"].is_string() ? r["error"].get<std::string>() : "";
    o.out_dir =
        directory + "/" + std::filesystem::path(r.value("out", o.policy)).filename().string();
    RunData data;
    if (o.ok) {
      data = load_run(o.out_dir);
      data.name = o.policy;
      o.summary = data.summary;
    }
    outcomes.push_back(std::move(o));
    runs.push_back(std::move(data));
  }
  // The baseline by name; comparisons written before --baseline existed compared with the first.
  size_t baseline = 0;
  for (size_t i = 0; i < outcomes.size(); ++i)
    if (doc.contains("baseline") && doc["baseline"] == outcomes[i].policy) baseline = i;
  return comparison_report_html(outcomes, runs, baseline);
}

}  // namespace

std::string write_report(const std::string& directory) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(directory))
    throw InputError(directory, "", "no such directory",
                     "give the --out directory of 'gpufleet run' or 'gpufleet compare'");
  const std::string comparison = directory + "/comparison.json";
  const std::string html = fs::exists(comparison) ? comparison_report(directory, comparison)
                                                  : run_report_html(load_run(directory));
  const std::string out = directory + "/report.html";
  write_file_atomically(out, html);
  return out;
}

}  // namespace gpufleet::report
