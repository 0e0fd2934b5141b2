// Every policy and combination on a small seed scenario, each output file compared by SHA-256
// with the digests recorded in tests/policy_digests.json: an optimization must keep every
// output byte for byte (docs/performance.md). A change meant to alter results rewrites the
// file with GPUFLEET_UPDATE_DIGESTS=1 and says why in its commit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "formats/file_hash.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

const std::string kDigests = std::string(GPUFLEET_SOURCE_DIR) + "/tests/policy_digests.json";

const std::vector<std::vector<std::string>> kCases = {
    {"static-partition"},
    {"fifo"},
    {"replay"},
    {"easy-backfill"},
    {"hetero-aware"},
    {"slurm"},
    {"spillover"},
    {"lease-idle"},
    {"lease-idle", "--param", "lease_follow_demand=1", "--param", "lease_notice_h=0"},
    {"preempt-priority"},
    {"easy-backfill+spillover"},
    {"easy-backfill+spillover+lease-idle+preempt-priority"},
    {"hetero-aware+lease-idle+preempt-priority"},
    {"easy-backfill+spillover", "--failures", "on", "--failure-rate", "0.01"},
};

std::string case_name(const std::vector<std::string>& c) {
  std::string name;
  for (const auto& part : c) name += (name.empty() ? "" : " ") + part;
  return name;
}

TEST(PolicyDigests, EveryPolicysOutputsAreByteForByteTheRecordedOnes) {
  json digests = json::object();
  for (const auto& c : kCases) {
    TempDir dir;
    // Half the seed fleet for 15 days: queues build, spillover and preemption act.
    std::vector<std::string> args = {"run", "--scale", "0.5", "--horizon", "15d", "--seed", "3"};
    args.insert(args.end(), {"-q", "--out", dir.path("out"), "--policy"});
    args.insert(args.end(), c.begin(), c.end());
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << case_name(c) << ": " << r.err;
    json files = json::object();
    for (const char* file :
         {"summary.json", "jobs.csv", "replicas.csv", "timeseries.csv", "queue_timeseries.csv",
          "pools_timeseries.csv", "services_timeseries.csv"})
      files[file] = sha256_of_text(output_text(dir.path(std::string("out/") + file)));
    digests[case_name(c)] = files;
  }
  if (const char* update = std::getenv("GPUFLEET_UPDATE_DIGESTS"); update && *update == '1') {
    std::ofstream(kDigests) << digests.dump(2) << "\n";
    GTEST_SKIP() << "rewrote " << kDigests;
  }
  const json recorded = json::parse(read_file(kDigests));
  for (const auto& [name, files] : digests.items()) {
    ASSERT_TRUE(recorded.contains(name)) << name << " has no recorded digests";
    for (const auto& [file, digest] : files.items())
      EXPECT_EQ(digest, recorded[name].value(file, "")) << name << ": " << file << " changed";
  }
}

}  // namespace
}  // namespace gpufleet::test
