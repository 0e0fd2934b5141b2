// Importers of public traces (docs/importers.md) on the real files (scripts/fetch-traces.sh puts
// them under GPUFLEET_TRACES; a test whose trace is missing is skipped), and the replay of the
// Alibaba GPU trace checked hour by hour against the trace itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "formats/workload_io.hpp"
#include "import/importers.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

const std::string kTraces = trace_dir() + "/";
const std::string kAlibaba = kTraces + "alibaba-gpu-v2023/";
const std::string kPods = kAlibaba + "openb_pod_list_default.csv";
const std::string kPodsSpec = kAlibaba + "openb_pod_list_gpuspec33.csv";
const std::string kNodes = kAlibaba + "openb_node_list_gpu_node.csv";

// The pod list read the plain way, independently of src/import/: one struct per row.
struct Pod {
  int num_gpu = 0;
  double share = 0;  // gpu_milli / 1000
  bool scheduled = false;
  double start = 0, end = 0;
};

std::vector<Pod> read_pods(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  std::vector<Pod> pods;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream s(line);
    for (std::string x; std::getline(s, x, ',');) f.push_back(x);
    if (f.size() == 10) f.push_back("");  // an empty scheduled_time at the end of the row
    Pod p;
    p.num_gpu = std::stoi(f[3]);
    p.share = std::stod(f[4]) / 1000;
    p.scheduled = !f[10].empty();
    p.start = p.scheduled ? std::stod(f[10]) : 0;
    p.end = std::stod(f[9]);
    pods.push_back(p);
  }
  return pods;
}

ImportOptions defaults() {
  return {};
}

TEST(AlibabaImport, JobCountsPerClassMatchAnIndependentPassOverTheCsv) {
  GPUFLEET_REQUIRE_TRACE(kPods);
  GPUFLEET_REQUIRE_TRACE(kNodes);
  const auto pods = read_pods(kPods);
  long gpu_run = 0, gpu_pending = 0, cpu_only = 0;
  for (const auto& p : pods) {
    if (p.num_gpu == 0)
      ++cpu_only;
    else if (p.scheduled)
      ++gpu_run;
    else
      ++gpu_pending;
  }
  const auto imported = import_trace("alibaba-gpu-2023", {kPods, kNodes}, defaults());
  const auto& r = imported.report;
  EXPECT_EQ(r.kept.at("training jobs with a recorded run"), gpu_run);
  EXPECT_EQ(r.kept.at("training jobs never scheduled (Pending)"), gpu_pending);
  EXPECT_EQ(r.dropped.at("CPU-only pod (no GPU)"), cpu_only);
  EXPECT_EQ(static_cast<long>(imported.workload.training.size()), gpu_run + gpu_pending);
  EXPECT_TRUE(imported.workload.inference.empty());
  EXPECT_EQ(r.kept.at("GPU nodes"), 1213);
  int gpus = 0;
  for (const auto& pool : imported.pools) gpus += pool.gpus;
  EXPECT_EQ(gpus, 6212);  // the node list's GPUs, all of them
}

TEST(AlibabaImport, WorkloadTextIsTheWorkloadsJsonJobByJob) {
  GPUFLEET_REQUIRE_TRACE(kPodsSpec);
  GPUFLEET_REQUIRE_TRACE(kNodes);
  const auto imported = import_trace("alibaba-gpu-2023", {kPodsSpec, kNodes}, defaults());
  const nlohmann::json meta = {{"note", "x"}};
  auto expected = workload_to_json(imported.workload);
  expected["meta"] = meta;
  EXPECT_EQ(nlohmann::json::parse(workload_to_text(imported.workload, meta)), expected);
}

TEST(AlibabaImport, KeepsGpuHoursAndFractionsAndConstraints) {
  GPUFLEET_REQUIRE_TRACE(kPodsSpec);
  GPUFLEET_REQUIRE_TRACE(kNodes);
  double trace_gpu_s = 0;
  for (const auto& p : read_pods(kPodsSpec))
    if (p.scheduled) trace_gpu_s += p.num_gpu * p.share * (p.end - p.start);
  const auto imported = import_trace("alibaba-gpu-2023", {kNodes, kPodsSpec}, defaults());
  double imported_gpu_s = 0;
  bool fractional = false, constrained = false;
  for (const auto& job : imported.workload.training) {
    if (job.recorded_start_s >= 0)
      imported_gpu_s += job.allocated_gpus() * (job.recorded_end_s - job.recorded_start_s);
    fractional = fractional || job.gpu_share < 1;
    constrained = constrained || job.generations.size() == 1;
  }
  EXPECT_NEAR(imported_gpu_s, trace_gpu_s, 1e-9 * trace_gpu_s);
  EXPECT_TRUE(fractional);
  EXPECT_TRUE(constrained);
}

// Allocated GPUs per hour, summed over pools, from a run's timeseries.csv.
std::vector<double> allocated_by_hour(const std::string& timeseries) {
  std::vector<double> by_hour;
  for (const auto& row : read_csv(timeseries)) {
    const auto hour = static_cast<size_t>(std::stod(row.at("time_s")) / 3600);
    if (by_hour.size() <= hour) by_hour.resize(hour + 1, 0.0);
    by_hour[hour] += std::stod(row.at("allocated_gpus"));
  }
  return by_hour;
}

CliResult import_alibaba(const TempDir& dir, const std::string& pods) {
  return run_cli({"import", "alibaba-gpu-2023", pods, kNodes, "-o", dir.path("w.json"),
                  "--platform-out", dir.path("p.xml")});
}

// Runs what import_alibaba wrote under a policy; outputs in dir.path("out").
CliResult run_imported(const TempDir& dir, const std::string& policy) {
  return run_cli({"run", "--workload", dir.path("w.json"), "--platform", dir.path("p.xml"),
                  "--policy", policy, "--out", dir.path("out"), "--quiet"});
}

TEST(AlibabaReplay, ReproducesTheTracesGpuAllocationEveryHour) {
  GPUFLEET_REQUIRE_TRACE(kPods);
  GPUFLEET_REQUIRE_TRACE(kNodes);
  const TempDir dir;
  ASSERT_EQ(import_alibaba(dir, kPods).exit_code, 0);
  const auto run = run_imported(dir, "replay");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The trace's own allocation: each scheduled GPU pod holds num_gpu x gpu_milli/1000 GPUs
  // from scheduled_time to deletion_time; averaged over each hour.
  const auto simulated = allocated_by_hour(dir.path("out/timeseries.csv"));
  std::vector<double> trace(simulated.size(), 0.0);
  const double horizon =
      nlohmann::json::parse(read_file(dir.path("w.json"))).at("horizon_s").get<double>();
  for (const auto& p : read_pods(kPods)) {
    if (!p.scheduled || p.num_gpu == 0) continue;
    for (auto h = static_cast<size_t>(p.start / 3600); h < trace.size() && h * 3600.0 < p.end;
         ++h) {
      const double overlap = std::min(p.end, (h + 1) * 3600.0) - std::max(p.start, h * 3600.0);
      trace[h] += p.num_gpu * p.share * overlap;
    }
  }
  // The last hour is partial in the run (the horizon is the last deletion): compare rates.
  for (size_t h = 0; h < trace.size(); ++h) trace[h] /= std::min(3600.0, horizon - h * 3600.0);
  // GPU-hours conserved end to end: held (jobs.csv) and served (summary) = the trace's.
  double trace_gpu_h = 0, held_gpu_h = 0;
  for (const auto& p : read_pods(kPods))
    if (p.scheduled) trace_gpu_h += p.num_gpu * p.share * (p.end - p.start) / 3600;
  for (const auto& row : read_csv(dir.path("out/jobs.csv")))
    held_gpu_h += std::stod(row.at("gpu_hours"));
  const auto summary = nlohmann::json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_NEAR(held_gpu_h, trace_gpu_h, 1e-6 * trace_gpu_h);
  EXPECT_NEAR(summary.at("training").at("served_gpu_hours").get<double>(), trace_gpu_h,
              1e-6 * trace_gpu_h);
  ASSERT_GT(simulated.size(), 3500u);
  int busy_hours = 0;
  for (size_t h = 0; h < trace.size(); ++h) {
    EXPECT_NEAR(simulated[h], trace[h], 0.005 * trace[h] + 1e-6) << "hour " << h;
    busy_hours += trace[h] > 0;
  }
  EXPECT_GT(busy_hours, 3000);
}

TEST(AlibabaImport, RunsUnderStaticPartitionOnTheRealInventory) {
  GPUFLEET_REQUIRE_TRACE(kPodsSpec);
  GPUFLEET_REQUIRE_TRACE(kNodes);
  const TempDir dir;
  ASSERT_EQ(import_alibaba(dir, kPodsSpec).exit_code, 0);
  const auto run = run_imported(dir, "static-partition");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto summary = nlohmann::json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_EQ(summary.at("fleet").at("gpus").get<int>(), 6212);
  // FIFO starts the never-scheduled pods too: every GPU pod runs.
  long started = 0, jobs = 0;
  for (const auto& row : read_csv(dir.path("out/jobs.csv"))) {
    ++jobs;
    started += !row.at("start_s").empty();
  }
  EXPECT_EQ(started, jobs);
}

// Malformed inputs, each in a small file: one error naming the file and line, exit 2, no
// output; --lenient skips the row and counts it.
const std::string kPodHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";
const std::string kGoodPod = "pod-a,1000,1024,1,500,,LS,Running,0,7200,10\n";
const std::string kNodeList = "sn,cpu_milli,memory_mib,gpu,model\nnode-0,64000,262144,8,V100M32\n";

void expect_refused_then_counted(const std::string& bad_row, const std::string& kind) {
  const TempDir dir;
  const auto pods = dir.write("pods.csv", kPodHeader + kGoodPod + bad_row);
  const auto nodes = dir.write("nodes.csv", kNodeList);
  const auto strict =
      run_cli({"import", "alibaba-gpu-2023", pods, nodes, "-o", dir.path("w.json")});
  EXPECT_EQ(strict.exit_code, 2) << strict.err;
  EXPECT_NE(strict.err.find(pods + ": line 3: " + kind), std::string::npos) << strict.err;
  EXPECT_EQ(strict.err.find("internal error"), std::string::npos) << strict.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("w.json")));
  const auto lenient =
      run_cli({"import", "alibaba-gpu-2023", pods, nodes, "-o", dir.path("w.json"), "--lenient"});
  ASSERT_EQ(lenient.exit_code, 0) << lenient.err;
  EXPECT_NE(lenient.err.find("dropped 1 rows: malformed row: " + kind), std::string::npos)
      << lenient.err;
  const auto w = nlohmann::json::parse(read_file(dir.path("w.json")));
  EXPECT_EQ(w.at("training").size(), 1u);
  EXPECT_EQ(w.at("training")[0].at("gpu_share").get<double>(), 0.5);
}

TEST(ImportMalformed, TruncatedRow) {
  expect_refused_then_counted("pod-b,1000,1024,1,500\n", "truncated row");
}

TEST(ImportMalformed, BadNumber) {
  expect_refused_then_counted("pod-b,1000,1024,one,500,,LS,Running,0,7200,10\n", "bad number");
}

TEST(ImportMalformed, UnknownGpuModel) {
  expect_refused_then_counted("pod-b,1000,1024,1,500,H900,LS,Running,0,7200,10\n",
                              "unknown GPU model");
}

TEST(ImportMalformed, TimestampsOutOfOrder) {
  // Deleted before it was scheduled.
  expect_refused_then_counted("pod-b,1000,1024,1,500,,LS,Running,100,50,60\n",
                              "timestamps out of order");
}

TEST(ImportMalformed, RequestTraceOutOfOrderAndSwfTruncatedNameTheLine) {
  const TempDir dir;
  const auto azure = dir.write("a.csv",
                               "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                               "2023-11-16 18:17:04.0000000,10,2\n"
                               "2023-11-16 18:17:03.0000000,10,2\n");
  const auto r = run_cli({"import", "azure-llm-2023", azure, "-o", dir.path("w.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(azure + ": line 3: timestamps out of order"), std::string::npos) << r.err;
  const auto swf = dir.write("j.swf", "; MaxProcs: 8\n1 0 -1 10 4\n");
  const auto s = run_cli({"import", "swf", swf, "-o", dir.path("w.json")});
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_NE(s.err.find(swf + ": line 2: truncated row"), std::string::npos) << s.err;
}

// The other formats on their shared files.
TEST(AzureImport, OneServiceWhoseDemandIsTheTracesTokensPerSecond) {
  const std::string file = kTraces + "azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv";
  GPUFLEET_REQUIRE_TRACE(file);
  double tokens = 0;
  long requests = 0;
  {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::stringstream s(line);
      std::string t, c, g;
      std::getline(s, t, ',');
      std::getline(s, c, ',');
      std::getline(s, g, ',');
      tokens += std::stod(c) + std::stod(g);
      ++requests;
    }
  }
  ImportOptions options;
  options.interval_s = 60;
  const auto imported = import_trace("azure-llm-2023", {file}, options);
  ASSERT_EQ(imported.workload.inference.size(), 1u);
  const auto& demand = imported.workload.inference[0].demand;
  double total = 0;
  for (double v : demand.values) total += v * demand.interval_s;
  EXPECT_NEAR(total, tokens, 1e-9 * tokens);
  EXPECT_EQ(imported.report.kept.at("requests"), requests);
  // Requests from 18:17:03.98 to 19:14:19.93: 57 min 16 s, in 58 intervals of 60 s.
  EXPECT_EQ(imported.workload.horizon_s, 58 * 60);
}

TEST(ServegenImport, SummedDemandOfTwoWeeksInWindowsOf600s) {
  GPUFLEET_REQUIRE_TRACE(kTraces + "alibaba-servegen-2025/m-small");
  const auto imported =
      import_trace("servegen", {kTraces + "alibaba-servegen-2025/m-small"}, defaults());
  ASSERT_EQ(imported.workload.inference.size(), 1u);
  // cat m-small/*.csv | grep -c . gives 86688: every row read, not the 2016 windows.
  EXPECT_EQ(imported.report.rows, 86688);
  EXPECT_EQ(imported.report.kept.at("windows of summed demand"), 2016);
  const auto& demand = imported.workload.inference[0].demand;
  EXPECT_EQ(demand.interval_s, 600);
  EXPECT_NEAR(demand.values.size() * 600.0 / 86400, 14, 0.1);
  EXPECT_GT(demand.peak(), 1.5 * demand.mean());  // the diurnal curve survives
}

TEST(SwfImport, ReadsTheGzippedNasaLog) {
  GPUFLEET_REQUIRE_TRACE(kTraces + "pwa-swf/NASA-iPSC-1993-3.1-cln.swf.gz");
  const TempDir dir;
  const auto r = run_cli({"import", "swf", kTraces + "pwa-swf/NASA-iPSC-1993-3.1-cln.swf.gz", "-o",
                          dir.path("w.json"), "--platform-out", dir.path("p.xml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto w = nlohmann::json::parse(read_file(dir.path("w.json")));
  // zcat ... | grep -v '^;' | awk '{n++; if ($4 <= 0) r++} END {print n, r}' gives 18239 173.
  EXPECT_EQ(w.at("training").size(), 18239u - 173u);
  EXPECT_NE(r.err.find("dropped 173 rows: no run time"), std::string::npos) << r.err;
  EXPECT_NE(read_file(dir.path("p.xml")).find("radical=\"0-15\""), std::string::npos);  // 128
  // NASA's log records no requested time (field 9 is -1 on every row): no job gets a walltime.
  for (const auto& job : w.at("training")) EXPECT_FALSE(job.contains("walltime_s")) << job;
}

// Field 9, the requested time, becomes walltime_s; -1 (the SWF's "unknown") and 0 give none.
TEST(SwfImport, CarriesTheRequestedTimeAsTheWalltime) {
  const TempDir dir;
  const auto swf = dir.write("j.swf",
                             "; MaxProcs: 16\n"
                             "1 0 5 1000 8 -1 -1 8 3600 -1 1 1 1 -1 -1 -1 -1 -1\n"
                             "2 10 -1 4000 8 -1 -1 8 3600 -1 0 1 1 -1 -1 -1 -1 -1\n"
                             "3 20 0 500 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                             "4 30 0 500 4 -1 -1 4 0 -1 1 1 1 -1 -1 -1 -1 -1\n");
  const auto r = run_cli({"import", "swf", swf, "-o", dir.path("w.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto training = nlohmann::json::parse(read_file(dir.path("w.json"))).at("training");
  ASSERT_EQ(training.size(), 4u);
  EXPECT_EQ(training[0].at("walltime_s"), 3600);
  // Job 2 ran past its limit (a log's killed job, or a grace period): the limit is kept as is.
  EXPECT_EQ(training[1].at("walltime_s"), 3600);
  EXPECT_FALSE(training[2].contains("walltime_s"));
  EXPECT_FALSE(training[3].contains("walltime_s"));
  EXPECT_NE(r.err.find("2 training jobs without a requested time"), std::string::npos) << r.err;
}

// SWF's user (field 12) and group (field 13) ids become user "u<id>" and account "g<id>";
// -1 (unknown) gives none.
TEST(SwfImport, UserAndGroupIdsBecomeUsersAndAccounts) {
  const TempDir dir;
  const auto swf = dir.write("j.swf",
                             "; MaxProcs: 8\n"
                             "1 0 0 10 4 -1 -1 4 60 -1 1 7 2 -1 -1 -1 -1 -1\n"
                             "2 5 0 10 4 -1 -1 4 60 -1 1 -1 -1 -1 -1 -1 -1 -1\n"
                             "3 9 0 10 4 -1 -1 4 60 -1 1 7 -1 -1 -1 -1 -1 -1\n");
  const auto imported = import_trace("swf", {swf}, defaults());
  const auto& jobs = imported.workload.training;
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].user, "u7");
  EXPECT_EQ(jobs[0].account, "g2");
  EXPECT_EQ(jobs[1].user, "");
  EXPECT_EQ(jobs[1].account, "");
  EXPECT_EQ(jobs[2].user, "u7");
  EXPECT_EQ(jobs[2].account, "");
}

// The NASA log's users: 69 (awk '$4 > 0 {print $12}' | sort -u | wc -l), in groups 1 (normal
// users, 14,793 jobs with a run time) and 2 (system personnel, 3,273). Jobs per user, ranked,
// are Zipf-like: the maximum-likelihood exponent is 0.98 (the seed scenario draws with 1), the
// most active user submits 14.4% of the jobs and the top ten 60.5%.
TEST(SwfImport, NasaLogsUsersAndGroupsAndItsJobsPerUserAreZipfLike) {
  GPUFLEET_REQUIRE_TRACE(kTraces + "pwa-swf/NASA-iPSC-1993-3.1-cln.swf.gz");
  const auto imported =
      import_trace("swf", {kTraces + "pwa-swf/NASA-iPSC-1993-3.1-cln.swf.gz"}, defaults());
  std::map<std::string, long> users, groups;
  for (const auto& job : imported.workload.training) {
    ++users[job.user];
    ++groups[job.account];
  }
  EXPECT_EQ(users.size(), 69u);
  EXPECT_EQ(groups, (std::map<std::string, long>{{"g1", 14793}, {"g2", 3273}}));
  std::vector<long> counts;
  for (const auto& [user, n] : users) counts.push_back(n);
  std::sort(counts.rbegin(), counts.rend());
  const double total = static_cast<double>(imported.workload.training.size());
  EXPECT_NEAR(counts[0] / total, 0.144, 0.001);
  double best_s = 0, best = -INFINITY;  // as zipf_exponent_mle in scenario_test.cpp
  for (int step = 30; step <= 250; ++step) {
    const double s = step / 100.0;
    double norm = 0, ll = 0;
    for (size_t r = 1; r <= counts.size(); ++r) {
      norm += std::pow(r, -s);
      ll -= counts[r - 1] * s * std::log(r);
    }
    ll -= total * std::log(norm);
    if (ll > best) best = ll, best_s = s;
  }
  EXPECT_NEAR(best_s, 0.98, 0.005);
}

// Hand-worked: 2 GPUs at a quarter each, recorded 1800 s -> 5400 s, work for 3600 s on GB200
// at MFU 0.4. Replay starts it at 1800 s; it holds 0.5 GPU, half of each hour: 0.25 GPU per
// hour bin, 0.5 GPU-hours in all. The job without a recorded run never starts.
TEST(Replay, StartsAtTheRecordedTimeAndCountsSharedGpusAsFractions) {
  const TempDir dir;
  auto shared = training_job("shared", 0, 2, 2 * kGb200Flops * 0.4 * 3600);
  shared["gpu_share"] = 0.25;
  shared["recorded"] = {{"start_s", 1800}, {"end_s", 5400}};
  const auto r = run_scenario(dir, {pool("GB200", 72)},
                              workload(7200, {shared, training_job("pending", 0, 4, 1e18)}),
                              {"--policy", "replay"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto jobs = read_csv(dir.path("out/jobs.csv"));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].at("start_s"), "1800.000");
  EXPECT_EQ(jobs[0].at("end_s"), "5400.000");
  EXPECT_EQ(jobs[0].at("gpu_hours"), "0.500000");
  EXPECT_EQ(jobs[1].at("state"), "waiting");
  const auto by_hour = allocated_by_hour(dir.path("out/timeseries.csv"));
  ASSERT_EQ(by_hour.size(), 2u);
  EXPECT_NEAR(by_hour[0], 0.25, 1e-9);
  EXPECT_NEAR(by_hour[1], 0.25, 1e-9);
}

TEST(Replay, RejectsAShareAboveOneAndARecordedEndBeforeItsStart) {
  const TempDir dir;
  auto job = training_job("a", 0, 1, 1e18);
  job["gpu_share"] = 1.5;
  auto r = run_scenario(dir, {pool("GB200", 72)}, workload(3600, {job}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("training[0].gpu_share: must be in (0, 1]"), std::string::npos) << r.err;
  job.erase("gpu_share");
  job["recorded"] = {{"start_s", 100}, {"end_s", 50}};
  r = run_scenario(dir, {pool("GB200", 72)}, workload(3600, {job}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("training[0].recorded.end_s: ends before its recorded start"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace gpufleet::test
