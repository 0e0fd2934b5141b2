// What a notebook reads of a run (issue 28, part 4): jobs.csv's wait, priority, user, account,
// lease price and revenue columns; the replay's warning when recorded starts cannot be kept;
// --compress (gzip CSV files that inflate to the plain run's bytes, deterministically).
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kCsvFiles = {"jobs.csv",
                                            "replicas.csv",
                                            "timeseries.csv",
                                            "queue_timeseries.csv",
                                            "pools_timeseries.csv",
                                            "services_timeseries.csv"};

json summary_of(const TempDir& dir, const std::string& out = "out") {
  return json::parse(read_file(dir.path(out + "/summary.json")));
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// zlib's own inflate, not gpufleet's reader: what any gzip reader would get.
std::string inflated(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out;
  char buffer[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    status = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  EXPECT_EQ(status, Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip member";
  inflateEnd(&z);
  return out;
}

// One GB200 domain and two H100 servers, 4 hours. Training: "a" takes the whole GB200 domain
// for an hour from t = 0; "b" (8 GPUs, priority 3, a user and an account that need CSV quotes)
// arrives at 100 s and waits for it: wait 3,500 s. Leases (lease-idle): one 8-GPU H100 lease at
// $1.5 per GPU-hour takes the server the service leaves idle and holds it to the horizon (4 h:
// $48); a second one at the same time finds no room and is rejected.
json notebook_case() {
  json w = leasing_case(false);
  json a = training_job("a", 0, 72, 72 * kGb200Flops * 0.4 * 3600);
  json b = training_job("b", 100, 8, 8 * kGb200Flops * 0.4 * 3600);
  b["priority"] = 3;
  b["user"] = "smith, j";
  b["account"] = "ml \"core\"";
  w["training"] = json::array({a, b});
  json second = w["leases"][0];
  second["id"] = "l2";
  w["leases"].push_back(second);
  return w;
}

const std::vector<PoolSpec> kNotebookPools = {pool("GB200", 72), pool("H100", 16)};

std::map<std::string, std::map<std::string, std::string>> rows_by_id(const std::string& file) {
  std::map<std::string, std::map<std::string, std::string>> rows;
  for (auto& row : read_csv(file)) rows[row.at("id")] = row;
  return rows;
}

TEST(JobsCsv, WaitPriorityUserAccountPriceAndRevenueOnAHandMadeCase) {
  TempDir dir;
  const auto r = run_scenario(dir, kNotebookPools, notebook_case(), {"--policy", "lease-idle"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = read_file(dir.path("out/jobs.csv"));
  // The earlier columns keep their names and order; the new ones come after them.
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "id,class,pool,gpu_model,gpus,submit_s,start_s,end_s,state,gpu_hours,preemptions,"
            "lost_gpu_hours,bounded_slowdown,fairness_rho,wait_s,priority,user,account,"
            "price_per_gpu_hour,revenue_usd");
  EXPECT_NE(text.find(",3,\"smith, j\",\"ml \"\"core\"\"\",,\n"), std::string::npos) << text;
  auto rows = rows_by_id(dir.path("out/jobs.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows["a"]["class"], "training");
  EXPECT_EQ(rows["a"]["wait_s"], "0.000");
  EXPECT_EQ(rows["a"]["priority"], "0");
  EXPECT_EQ(rows["a"]["user"], "");
  EXPECT_EQ(rows["a"]["account"], "");
  EXPECT_EQ(rows["a"]["revenue_usd"], "");
  EXPECT_EQ(rows["b"]["start_s"], "3600.000");
  EXPECT_EQ(rows["b"]["wait_s"], "3500.000");
  EXPECT_EQ(rows["b"]["priority"], "3");
  EXPECT_EQ(rows["b"]["user"], "smith, j");
  EXPECT_EQ(rows["b"]["account"], "ml \"core\"");
  EXPECT_EQ(rows["b"]["price_per_gpu_hour"], "");
  // One lease accepted (running at the horizon), one rejected; which is the queue's business.
  const auto& accepted = rows["l"]["state"] == "running" ? rows["l"] : rows["l2"];
  const auto& rejected = rows["l"]["state"] == "running" ? rows["l2"] : rows["l"];
  EXPECT_EQ(accepted.at("class"), "lease");
  EXPECT_EQ(accepted.at("wait_s"), "0.000");
  EXPECT_EQ(accepted.at("priority"), "");
  EXPECT_EQ(accepted.at("price_per_gpu_hour"), "1.500000");
  EXPECT_EQ(accepted.at("revenue_usd"), "48.000000");  // 8 GPUs x 4 h x $1.5
  EXPECT_EQ(rejected.at("state"), "rejected");
  EXPECT_EQ(rejected.at("wait_s"), "");
  EXPECT_EQ(rejected.at("price_per_gpu_hour"), "1.500000");
  EXPECT_EQ(rejected.at("revenue_usd"), "0.000000");
  const json s = summary_of(dir);
  EXPECT_EQ(s["lease"]["revenue_usd"].get<double>(), 48.0);
  EXPECT_FALSE(s.contains("replay"));  // only replay runs have the block
}

// The revenue column adds up to the summary's lease revenue (and to the economics' figure), on
// the seed scenario's 30 days (25 lease requests, one rejected) and on a preemptible lease that
// lease-idle reclaims when demand comes back; the wait column is the summary's training.wait_s.
TEST(JobsCsv, LeaseRevenueAddsUpToTheSummarysAndWaitsToItsWaitDistribution) {
  TempDir seed, reclaimed;
  ASSERT_EQ(run_cli({"run", "--policy", "lease-idle", "--out", seed.path("out"), "-q"}).exit_code,
            0);
  ASSERT_EQ(
      run_scenario(reclaimed, {pool("H100", 16)}, leasing_case(true), {"--policy", "lease-idle"})
          .exit_code,
      0);
  long leases = 0, reclaims = 0;
  for (const TempDir* dir : {&seed, &reclaimed}) {
    double revenue = 0, max_wait = 0;
    long rows = 0, waits = 0;
    for (auto& row : read_csv(dir->path("out/jobs.csv"))) {
      if (row["class"] == "lease") {
        ++rows;
        revenue += std::stod(row["revenue_usd"]);
      } else if (!row["wait_s"].empty()) {
        ++waits;
        max_wait = std::max(max_wait, std::stod(row["wait_s"]));
        EXPECT_NEAR(std::stod(row["wait_s"]),
                    std::stod(row["start_s"]) - std::stod(row["submit_s"]), 1.5e-3);
      }
    }
    const json s = summary_of(*dir);
    leases += rows;
    reclaims += s["lease"]["reclaimed"].get<long>();
    const double summary_revenue = s["lease"]["revenue_usd"];
    EXPECT_GT(summary_revenue, 0);
    EXPECT_NEAR(revenue, summary_revenue, rows * 5e-7);
    EXPECT_NEAR(revenue, s["economics"]["fleet"]["lease_revenue_usd"].get<double>(), rows * 5e-7);
    EXPECT_EQ(waits, s["training"]["wait_s"]["count"].get<long>());
    if (waits > 0) {
      EXPECT_NEAR(max_wait, s["training"]["wait_s"]["max"].get<double>(), 1e-3);
    }
  }
  EXPECT_GE(leases, 20);
  EXPECT_EQ(reclaims, 1);
}

// Four recorded runs on one GB200 domain (72 GPUs), 4 hours. big1 (72 GPUs) runs 0-3,600 as
// recorded; big2 (72) was recorded at 1,800 but the domain is busy until 3,600: 1,800 s late;
// big3 (72) recorded at 4,000 waits for big2 to end at 7,200: 3,200 s late; small (8) recorded
// at 8,000 finds big3 holding the domain past the horizon and never starts.
json late_replay_case() {
  const auto recorded = [](const std::string& id, int gpus, double start, double run_s) {
    json job = training_job(id, start, gpus, gpus * kGb200Flops * 0.4 * run_s);
    job["recorded"] = {{"start_s", start}, {"end_s", start + run_s}};
    return job;
  };
  return workload(4 * 3600, {recorded("big1", 72, 0, 3600), recorded("big2", 72, 1800, 3600),
                             recorded("big3", 72, 4000, 30000), recorded("small", 8, 8000, 600)});
}

TEST(Replay, WarnsOnceWithTheCountWhenRecordedStartsCannotBeKept) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("GB200", 72)}, late_replay_case(), {"--policy", "replay"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Under --quiet too (run_scenario passes it): the warning is about what the results mean.
  const std::string warning =
      "gpufleet: warning: replay: 3 of 4 jobs could not start at their recorded start (the fleet "
      "had too few free GPUs); 2 started on average 2,500 s later (max 3,200 s); 1 had not "
      "started by the horizon; see jobs.csv wait_s and summary.json replay\n";
  EXPECT_NE(r.err.find(warning), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("replay:"), r.err.rfind("replay:")) << "warned more than once: " << r.err;
  const json s = summary_of(dir);
  EXPECT_EQ(s["replay"], json({{"jobs_recorded", 4},
                               {"jobs_started_late", 2},
                               {"jobs_not_started", 1},
                               {"late_start_delay_mean_s", 2500.0},
                               {"late_start_delay_max_s", 3200.0}}));
  auto rows = rows_by_id(dir.path("out/jobs.csv"));
  EXPECT_EQ(rows["big2"]["start_s"], "3600.000");
  EXPECT_EQ(rows["big3"]["wait_s"], "3200.000");  // submitted at its recorded start
  EXPECT_EQ(rows["small"]["wait_s"], "");
}

TEST(Replay, KeepsQuietWhenEveryRecordedStartIsKeptAndOtherPoliciesHaveNoReplayBlock) {
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("GB200", 144)}, late_replay_case(), {"--policy", "replay"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("replay:"), std::string::npos) << r.err;
  const json s = summary_of(dir);
  EXPECT_EQ(s["replay"]["jobs_recorded"].get<long>(), 4);
  EXPECT_EQ(s["replay"]["jobs_started_late"].get<long>(), 0);
  EXPECT_EQ(s["replay"]["jobs_not_started"].get<long>(), 0);
  TempDir other;
  ASSERT_EQ(
      run_scenario(other, {pool("GB200", 72)}, late_replay_case(), {"--policy", "fifo"}).exit_code,
      0);
  EXPECT_FALSE(summary_of(other).contains("replay"));
}

// compare runs each policy in a child whose stderr goes to its log: the warning is repeated.
TEST(Replay, CompareRepeatsARunsWarningWithItsPolicy) {
  TempDir dir;
  const std::string platform = dir.write("platform.xml", platform_xml({pool("GB200", 72)}));
  const std::string workload_file = dir.write("workload.json", late_replay_case().dump(1));
  const auto r = run_cli({"compare", "--policies", "fifo,replay", "--workload", workload_file,
                          "--platform", platform, "--out", dir.path("cmp"), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("gpufleet: warning: replay: replay: 3 of 4 jobs"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("warning: fifo"), std::string::npos) << r.err;
}

TEST(Compress, GzipFilesInflateToThePlainRunsBytesAndTwoRunsAreByteIdentical) {
  TempDir dir;
  const auto plain = run_scenario(dir, kNotebookPools, notebook_case(), {"--policy", "lease-idle"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::string platform = dir.path("platform.xml"), workload_file = dir.path("workload.json");
  for (const char* out : {"gz1", "gz2"}) {
    const auto r = run_cli({"run", "--platform", platform, "--workload", workload_file, "--policy",
                            "lease-idle", "--compress", "--out", dir.path(out), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("jobs.csv.gz"), std::string::npos) << r.out;
  }
  for (const auto& file : kCsvFiles) {
    const std::string gz = bytes_of(dir.path("gz1/" + file + ".gz"));
    ASSERT_GT(gz.size(), 10u) << file;
    EXPECT_FALSE(fs::exists(dir.path("gz1/" + file))) << file;
    // gzip magic, deflate, no flags (no name), mtime 0, OS unknown: the same bytes anywhere.
    EXPECT_EQ(gz.substr(0, 10), std::string("\x1f\x8b\x08\0\0\0\0\0\0\xff", 10)) << file;
    EXPECT_EQ(inflated(gz), bytes_of(dir.path("out/" + file))) << file;
    EXPECT_EQ(gz, bytes_of(dir.path("gz2/" + file + ".gz"))) << file;
  }
  // summary.json stays plain and says the same (but the command line).
  json a = summary_of(dir, "out"), b = summary_of(dir, "gz1");
  a.erase("provenance");
  b.erase("provenance");
  EXPECT_EQ(a, b);
}

TEST(Compress, TheReportReadsEitherFormAndARunRemovesTheOtherFormItReplaces) {
  TempDir dir;
  ASSERT_EQ(run_scenario(dir, kNotebookPools, notebook_case(),
                         {"--policy", "lease-idle", "--compress", "--report"})
                .exit_code,
            0);
  const std::string in_run = read_file(dir.path("out/report.html"));
  const auto r = run_cli({"report", dir.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The report written from the run's memory and the one read back from the .gz files agree.
  EXPECT_EQ(read_file(dir.path("out/report.html")), in_run);
  // A plain run into the same folder replaces the compressed files, and back.
  ASSERT_EQ(
      run_scenario(dir, kNotebookPools, notebook_case(), {"--policy", "lease-idle"}).exit_code, 0);
  for (const auto& file : kCsvFiles) {
    EXPECT_TRUE(fs::exists(dir.path("out/" + file))) << file;
    EXPECT_FALSE(fs::exists(dir.path("out/" + file + ".gz"))) << file;
  }
  ASSERT_EQ(
      run_scenario(dir, kNotebookPools, notebook_case(), {"--policy", "lease-idle", "--compress"})
          .exit_code,
      0);
  for (const auto& file : kCsvFiles) {
    EXPECT_FALSE(fs::exists(dir.path("out/" + file))) << file;
    EXPECT_TRUE(fs::exists(dir.path("out/" + file + ".gz"))) << file;
  }
  // A damaged file is named, with the fix.
  std::ofstream(dir.path("out/jobs.csv.gz"), std::ios::binary) << "\x1f\x8b\x08 not gzip";
  const auto damaged = run_cli({"report", dir.path("out")});
  EXPECT_EQ(damaged.exit_code, 2);
  EXPECT_NE(damaged.err.find("jobs.csv.gz"), std::string::npos) << damaged.err;
  EXPECT_NE(damaged.err.find("run it again"), std::string::npos) << damaged.err;
}

TEST(Compress, CompareAndStudyPassItToTheirRuns) {
  TempDir dir;
  const std::string platform = dir.write("platform.xml", platform_xml(kNotebookPools));
  const std::string workload_file = dir.write("workload.json", notebook_case().dump(1));
  const auto cmp =
      run_cli({"compare", "--policies", "static-partition,lease-idle", "--workload", workload_file,
               "--platform", platform, "--compress", "--out", dir.path("cmp"), "-q"});
  ASSERT_EQ(cmp.exit_code, 0) << cmp.err;
  EXPECT_TRUE(fs::exists(dir.path("cmp/lease-idle/jobs.csv.gz")));
  EXPECT_FALSE(fs::exists(dir.path("cmp/lease-idle/jobs.csv")));
  EXPECT_NE(read_file(dir.path("cmp/report.html")).find("lease-idle"), std::string::npos);
  const std::string spec = dir.write("study.json", R"({"format": "gpufleet-study", "version": 1,
    "scale": 0.1, "days": 1, "seeds": [1], "policies": ["static-partition"],
    "fleets": [{"name": "base"}]})");
  const auto study = run_cli({"study", spec, "--compress", "--out", dir.path("study")});
  ASSERT_EQ(study.exit_code, 0) << study.err;
  int compressed = 0, plain = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path("study/runs"))) {
    compressed += entry.path().filename() == "jobs.csv.gz";
    plain += entry.path().filename() == "jobs.csv";
  }
  EXPECT_EQ(compressed, 1);
  EXPECT_EQ(plain, 0);
  // How outputs are stored is not what they say: the run is not done again without it.
  const auto again = run_cli({"study", spec, "--out", dir.path("study")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("1 runs, 1 done before, 0 to run"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace gpufleet::test
