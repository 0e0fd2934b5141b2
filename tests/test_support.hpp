#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/platform_writer.hpp"

namespace gpufleet::test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the gpufleet binary with these arguments (shell-quoted for you).
CliResult run_cli(const std::vector<std::string>& args);

// Runs a shell command line as it is; its exit status (-1 if it did not exit).
int run_shell(const std::string& command);

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path dir_;
};

std::string read_file(const std::string& path);

// An output file's text; for summary.json, without its `provenance` block (the command line,
// build and input hashes), the one part that is not a function of the inputs and seed alone.
std::string output_text(const std::string& path);

// The folder of the public traces: $GPUFLEET_TRACES, else data/traces in the source tree, where
// scripts/fetch-traces.sh puts them. Traces are never committed (docs/traces.md).
std::string trace_dir();

// Skips the test, naming the fetch script, when a trace file or folder is missing.
#define GPUFLEET_REQUIRE_TRACE(path)                                                 \
  do {                                                                               \
    if (!std::filesystem::exists(path))                                              \
      GTEST_SKIP() << "trace " << (path) << " is missing: fetch it with "            \
                   << "scripts/fetch-traces.sh (--from DIR to copy a local folder)"; \
  } while (false)

// A CSV file as rows of column name -> text.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path);

// A workload document with the given lists (empty ones omitted).
nlohmann::json workload(double horizon_s, nlohmann::json training,
                        nlohmann::json inference = nlohmann::json::array(),
                        nlohmann::json leases = nlohmann::json::array());
// A training job on GB200 at that MFU.
nlohmann::json training_job(const std::string& id, double submit_s, int gpus, double work_flops,
                            double mfu = 0.4);

// Whether a CSV or JSON text holds a value printed as nan or inf (any sign, any case).
bool holds_nan_or_inf(const std::string& text);
// Llama 3.1 70B in FP8 on H100, two 4-GPU engines per 8-GPU replica, MLPerf's request lengths.
nlohmann::json served_service(const std::vector<double>& hourly_demand);
// A fleet contract: `gpus` of `model` taken from start_s for duration_s at `price` per GPU-hour.
nlohmann::json contract(const std::string& id, const std::string& model, int gpus, double start_s,
                        double duration_s, double price);
// A service "chat" on 8-GPU H100 replicas of 100 units/s (1e12 FLOPs per unit, within its
// latency target) with these hourly demands, not repeating.
nlohmann::json h100_service(const std::vector<double>& hourly_demand);
// Two H100 servers' worth of demand (50, 50, 150, 150 units/s of h100_service) and one 8-GPU
// lease request at t = 0 for 10 hours at $1.5 per GPU-hour.
nlohmann::json leasing_case(bool preemptible);

// Writes platform and workload files, runs `gpufleet run`, returns the result; outputs land in
// dir.path("out").
CliResult run_scenario(const TempDir& dir, const std::vector<PoolSpec>& pools,
                       const nlohmann::json& workload_doc, std::vector<std::string> extra = {});

constexpr double kGb200Flops = 2.5e15;

inline PoolSpec pool(const std::string& model, int gpus, int gpus_per_domain = 0) {
  PoolSpec spec;
  spec.model = model;
  spec.gpus = gpus;
  spec.gpus_per_domain = gpus_per_domain;
  return spec;
}

}  // namespace gpufleet::test
