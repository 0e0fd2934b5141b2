// Malformed or inconsistent inputs: one clear error naming the file and field, exit code 2,
// and no output written.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

struct Rejected {
  CliResult result;
  bool wrote_output;
};

Rejected run_with(const TempDir& dir, const std::string& platform,
                  const std::string& workload_text) {
  const auto p = dir.write("platform.xml", platform);
  const auto w = dir.write("workload.json", workload_text);
  const auto r =
      run_cli({"run", "--platform", p, "--workload", w, "--out", dir.path("out"), "--quiet"});
  return {r, std::filesystem::exists(dir.path("out"))};
}

const std::string kPlatform = platform_xml({pool("GB200", 144), pool("H100", 16)});

std::string good_workload() {
  return workload(7200, {training_job("a", 0, 72, 1e19)}).dump(1);
}

void expect_rejected(const Rejected& r, const std::vector<std::string>& mentions) {
  EXPECT_EQ(r.result.exit_code, 2) << r.result.err;
  EXPECT_FALSE(r.wrote_output);
  EXPECT_EQ(r.result.err.find("internal error"), std::string::npos) << r.result.err;
  for (const auto& m : mentions)
    EXPECT_NE(r.result.err.find(m), std::string::npos)
        << "missing '" << m << "' in: " << r.result.err;
}

TEST(BadInput, GoodInputsAreAccepted) {
  TempDir dir;
  const auto r = run_with(dir, kPlatform, good_workload());
  EXPECT_EQ(r.result.exit_code, 0) << r.result.err;
}

TEST(BadInput, WorkloadJsonSyntaxErrorNamesFileAndLine) {
  TempDir dir;
  expect_rejected(
      run_with(dir, kPlatform, "{\n  \"format\": \"gpufleet-workload\",\n  \"version\": 1,,\n}"),
      {"workload.json", "line 3"});
}

TEST(BadInput, UnknownGpuModelInWorkload) {
  TempDir dir;
  json w = workload(7200, {training_job("a", 0, 8, 1e19)});
  w["training"][0]["generations"][0]["model"] = "A100";
  expect_rejected(run_with(dir, kPlatform, w.dump()),
                  {"workload.json", "training[0].generations[0].model", "A100"});
}

TEST(BadInput, JobAskingMoreGpusThanExist) {
  TempDir dir;
  expect_rejected(
      run_with(dir, kPlatform, workload(7200, {training_job("a", 0, 1000, 1e19)}).dump()),
      {"workload.json", "training[0].gpus", "1000"});
}

TEST(BadInput, NegativeSubmitTime) {
  TempDir dir;
  expect_rejected(run_with(dir, kPlatform, workload(7200, {training_job("a", -5, 8, 1e19)}).dump()),
                  {"workload.json", "training[0].submit_s", "negative"});
}

TEST(BadInput, MissingAndMistypedFields) {
  TempDir dir;
  json w = workload(7200, {training_job("a", 0, 8, 1e19)});
  w["training"][0].erase("work_flops");
  expect_rejected(run_with(dir, kPlatform, w.dump()), {"training[0].work_flops", "missing"});
  TempDir dir2;
  json w2 = workload(7200, {training_job("a", 0, 8, 1e19)});
  w2["training"][0]["gpu"] = 8;  // a typo of "gpus" next to the real field
  expect_rejected(run_with(dir2, kPlatform, w2.dump()), {"training[0].gpu", "unknown field"});
}

TEST(BadInput, DependencyCycleNamesTheJobs) {
  TempDir dir;
  json a = training_job("a", 0, 8, 1e19), b = training_job("b", 0, 8, 1e19);
  a["after"] = {"b"};
  b["after"] = {"a"};
  expect_rejected(run_with(dir, kPlatform, workload(7200, {a, b}).dump()),
                  {"cycle", "a -> b -> a"});
}

TEST(BadInput, MalformedPlatformXml) {
  TempDir dir;
  std::string xml = kPlatform;
  xml.resize(xml.size() / 2);
  expect_rejected(run_with(dir, xml, good_workload()), {"platform.xml"});
}

TEST(BadInput, PlatformHostWithoutGpuModel) {
  TempDir dir;
  std::string xml = kPlatform;
  const auto at = xml.find("<prop id=\"gpu_model\"");
  xml.erase(at, xml.find('\n', at) - at);
  expect_rejected(run_with(dir, xml, good_workload()), {"platform.xml", "gpu_model"});
}

TEST(BadInput, MissingFileAndBadHorizon) {
  TempDir dir;
  const auto r = run_cli({"run", "--workload", dir.path("nope.json"), "--out", dir.path("out")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.json"), std::string::npos);
  const auto h = run_cli({"run", "--horizon", "-3d", "--out", dir.path("out")});
  EXPECT_EQ(h.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path("out")));
}

TEST(BadInput, PlatformGeneratorRefusesUnknownModelsAndPartialDomains) {
  EXPECT_EQ(run_cli({"platform", "--pool", "A100:8"}).exit_code, 2);
  const auto r = run_cli({"platform", "--pool", "GB200:100"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("whole number of GB200 NVL72 domains of 72 GPUs: use 72 or 144"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace gpufleet::test
