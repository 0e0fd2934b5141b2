#include "test_support.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "report/run_data.hpp"

namespace gpufleet::test {

namespace fs = std::filesystem;

namespace {
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

CliResult run_cli(const std::vector<std::string>& args) {
  TempDir capture;
  std::string command = quote(GPUFLEET_CLI);
  for (const auto& a : args) command += " " + quote(a);
  command += " >" + quote(capture.path("stdout")) + " 2>" + quote(capture.path("stderr"));
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(capture.path("stdout"));
  r.err = read_file(capture.path("stderr"));
  return r;
}

TempDir::TempDir() {
  std::random_device rd;
  dir_ = fs::temp_directory_path() /
         ("gpufleet-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(dir_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  fs::create_directories(fs::path(path(name)).parent_path());
  std::ofstream(path(name)) << content;
  return path(name);
}

std::string output_text(const std::string& path) {
  const std::string text = read_file(path);
  if (std::filesystem::path(path).filename() != "summary.json") return text;
  auto summary = nlohmann::json::parse(text);
  summary.erase("provenance");
  return summary.dump(2);
}

std::string trace_dir() {
  const char* env = std::getenv("GPUFLEET_TRACES");
  if (env != nullptr && *env != '\0') return env;
  return std::string(GPUFLEET_SOURCE_DIR) + "/data/traces";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  // As a notebook reads it: quoted fields (a user name with a comma) are one field.
  std::istringstream in(read_file(path));
  std::vector<std::string> header, cells;
  std::vector<std::map<std::string, std::string>> rows;
  report::next_csv_record(in, header);
  while (report::next_csv_record(in, cells)) {
    if (cells.size() != header.size())
      ADD_FAILURE() << path << ": " << cells.size() << " cells under a header of " << header.size();
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

// `{training_job(...)}` is an array of one job under g++ but the job itself under clang (a
// braced list of one json copies it): a lone object is taken as a list of one.
nlohmann::json list_of(nlohmann::json items) {
  return items.is_object() ? nlohmann::json::array({std::move(items)}) : items;
}

}  // namespace

nlohmann::json workload(double horizon_s, nlohmann::json training, nlohmann::json inference,
                        nlohmann::json leases) {
  training = list_of(std::move(training));
  inference = list_of(std::move(inference));
  leases = list_of(std::move(leases));
  return {{"format", "gpufleet-workload"}, {"version", 1},           {"horizon_s", horizon_s},
          {"training", training},          {"inference", inference}, {"leases", leases}};
}

nlohmann::json training_job(const std::string& id, double submit_s, int gpus, double work_flops,
                            double mfu) {
  return {{"id", id},
          {"submit_s", submit_s},
          {"gpus", gpus},
          {"work_flops", work_flops},
          {"generations", {{{"model", "GB200"}, {"mfu", mfu}}}}};
}

bool holds_nan_or_inf(const std::string& text) {
  std::string token;
  for (const char c : text + "\n") {
    if (std::string(",:[]{} \n\"").find(c) == std::string::npos) {
      token += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    if (!token.empty() && (token[0] == '-' || token[0] == '+')) token.erase(0, 1);
    if (token == "nan" || token == "inf" || token == "infinity") return true;
    token.clear();
  }
  return false;
}

nlohmann::json served_service(const std::vector<double>& hourly_demand) {
  return {{"id", "chat"},
          {"gpus_per_replica", 8},
          {"serving",
           {{"model", "llama-3.1-70b"},
            {"tensor_parallel", 4},
            {"input_tokens", 222.33},
            {"output_tokens", 290.3},
            {"weight_bytes", 1},
            {"kv_bytes", 1}}},
          {"generations", nlohmann::json::array({{{"model", "H100"}}})},
          {"demand", {{"interval_s", 3600}, {"repeat", false}, {"values", hourly_demand}}},
          {"cold_start", {{"startup_s", 0}, {"weights_bytes", 0}}}};
}

nlohmann::json contract(const std::string& id, const std::string& model, int gpus, double start_s,
                        double duration_s, double price) {
  return {{"id", id},           {"model", model},           {"gpus", gpus},
          {"start_s", start_s}, {"duration_s", duration_s}, {"price_per_gpu_hour", price}};
}

nlohmann::json h100_service(const std::vector<double>& hourly_demand) {
  return {{"id", "chat"},
          {"gpus_per_replica", 8},
          {"latency_target_s", 1.0},
          {"flops_per_unit", 1e12},
          {"generations", {{{"model", "H100"}, {"throughput", 100}, {"latency_s", 0.5}}}},
          {"demand", {{"interval_s", 3600}, {"repeat", false}, {"values", hourly_demand}}},
          // Replicas serve at once: the tests of cold starts set their own.
          {"cold_start", {{"startup_s", 0}, {"weights_bytes", 0}}}};
}

// Two H100 servers; one service of 100 tokens/s per 8-GPU replica whose demand is 50, 50 and
// then 150 from hour 2 (two replicas); one 8-GPU lease request at t = 0 for 10 hours.
nlohmann::json leasing_case(bool preemptible) {
  const nlohmann::json lease = {{"id", "l"},
                                {"gpus", 8},
                                {"model", "H100"},
                                {"start_s", 0},
                                {"duration_s", 36000},
                                {"price_per_gpu_hour", 1.5},
                                {"preemptible", preemptible}};
  return workload(4 * 3600, nlohmann::json::array(), {h100_service({50, 50, 150, 150})}, {lease});
}

CliResult run_scenario(const TempDir& dir, const std::vector<PoolSpec>& pools,
                       const nlohmann::json& workload_doc, std::vector<std::string> extra) {
  const std::string platform = dir.write("platform.xml", platform_xml(pools));
  const std::string workload_file = dir.write("workload.json", workload_doc.dump(1));
  std::vector<std::string> args = {"run",         "--platform", platform,        "--workload",
                                   workload_file, "--out",      dir.path("out"), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

}  // namespace gpufleet::test
