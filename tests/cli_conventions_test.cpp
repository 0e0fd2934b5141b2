// What a new user meets first: --version, suggestions for misspelt names, GPU models in any
// case, pools with a role, warnings for pools nothing can use, and provenance in summary.json.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "formats/platform_writer.hpp"
#include "model/names.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

TEST(Names, ClosestNameIgnoresCaseAndRefusesFarOnes) {
  const std::vector<std::string> known = {"run", "compare", "report", "platform"};
  EXPECT_EQ(closest_name("rnu", known), "run");
  EXPECT_EQ(closest_name("Comapre", known), "compare");
  EXPECT_EQ(closest_name("xyzzy", known), "");
  EXPECT_EQ(did_you_mean("platfrom", known), " (did you mean 'platform'?)");
  EXPECT_TRUE(same_name("gb200", "GB200"));
  EXPECT_FALSE(same_name("gb20", "GB200"));
}

TEST(Cli, VersionPrintsTheVersionTheCommitAndSimGrid) {
  const auto r = run_cli({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("gpufleet 0.", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\ncommit "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nSimGrid 3."), std::string::npos) << r.out;
}

TEST(Cli, AMisspeltCommandPolicyOrParameterGetsASuggestion) {
  const auto command = run_cli({"rnu"});
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_NE(command.err.find("unknown command 'rnu' (did you mean 'run'?)"), std::string::npos)
      << command.err;
  const TempDir dir;
  const auto policy = run_cli({"run", "--policy", "easy-backfil", "--out", dir.path("out")});
  EXPECT_EQ(policy.exit_code, 2);
  EXPECT_NE(policy.err.find("did you mean 'easy-backfill'?"), std::string::npos) << policy.err;
  const auto param = run_cli(
      {"run", "--policy", "spillover", "--param", "spillover_wait=2", "--out", dir.path("out")});
  EXPECT_EQ(param.exit_code, 2);
  EXPECT_NE(param.err.find("did you mean 'spillover_wait_h'?"), std::string::npos) << param.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("out")));
}

TEST(Platform, ModelNamesIgnoreCaseAndAPoolCanSayItsRole) {
  const PoolSpec spec = parse_pool_spec("h100:16:Training");
  EXPECT_EQ(spec.model, "H100");
  EXPECT_EQ(spec.gpus, 16);
  EXPECT_EQ(spec.role, "training");
  const std::string xml = platform_xml({spec});
  EXPECT_NE(xml.find("<prop id=\"role\" value=\"training\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<prop id=\"gpu_model\" value=\"H100\"/>"), std::string::npos);
  EXPECT_EQ(parse_pool_spec("GB300:144").role, "");  // the catalog's default, inference or not
}

TEST(Platform, ACountThatIsNotWholeDomainsNamesTheNearestValidCounts) {
  auto error_of = [](const std::string& text) {
    try {
      parse_pool_spec(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("GB200:100").find("use 72 or 144"), std::string::npos)
      << error_of("GB200:100");
  EXPECT_NE(error_of("H100:4").find("use 8"), std::string::npos) << error_of("H100:4");
  EXPECT_NE(error_of("GB20:72").find("did you mean 'GB200'?"), std::string::npos);
  EXPECT_NE(error_of("H100:8:trainnig").find("did you mean 'training'?"), std::string::npos);
}

TEST(Platform, HelpListsTheModelsWithTheirDomainSizes) {
  const auto r = run_cli({"platform", "--help"});
  ASSERT_EQ(r.exit_code, 0);
  for (const char* line : {"GB200", "GB300", "H100", "H200", "72 GPUs per NVLink domain",
                           "8 GPUs per NVLink domain", "MODEL:GPUS[:ROLE]"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing from:\n" << r.out;
}

TEST(Run, WarnsAboutAPoolThatNoJobServiceOrLeaseMayUseAndAcceptsModelsInAnyCase) {
  const TempDir dir;
  auto job = training_job("a", 0, 8, kGb200Flops * 8 * 0.4 * 3600);
  job["generations"][0]["model"] = "gb200";
  const auto r = run_scenario(dir, {pool("GB200", 72), pool("H100", 16)}, workload(7200, {job}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: pool 'h100' (16 H100 GPUs) is named by no training job"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("pool 'gb200'"), std::string::npos) << r.err;
  EXPECT_EQ(read_csv(dir.path("out/jobs.csv")).at(0).at("state"), "completed");
}

TEST(Summary, CarriesVersionsTheCommandLineAndEachInputsSha256) {
  const TempDir dir;
  ASSERT_EQ(run_scenario(dir, {pool("GB200", 72)},
                         workload(3600, {training_job("a", 0, 8, kGb200Flops * 8 * 0.4 * 600)}))
                .exit_code,
            0);
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_EQ(s.at("schema_version"), 6);
  EXPECT_EQ(s.at("gpufleet_version").get<std::string>().rfind("0.", 0), 0u);
  const json& p = s.at("provenance");
  EXPECT_FALSE(p.at("gpufleet_commit").get<std::string>().empty());
  EXPECT_EQ(p.at("simgrid_version").get<std::string>().rfind("3.", 0), 0u);
  const auto& args = p.at("command_line");
  ASSERT_GE(args.size(), 2u);
  EXPECT_EQ(args[1], "run");
  ASSERT_EQ(p.at("inputs").size(), 2u);
  for (const auto& input : p.at("inputs")) {
    // An independent hash of the same file: coreutils' sha256sum.
    const std::string file = input.at("file");
    FILE* pipe = popen(("sha256sum '" + file + "'").c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char hex[65] = {};
    ASSERT_EQ(std::fread(hex, 1, 64, pipe), 64u);
    pclose(pipe);
    EXPECT_EQ(input.at("sha256"), std::string(hex)) << file;
  }
  EXPECT_EQ(p.at("inputs")[0].at("role"), "workload");
  EXPECT_EQ(p.at("inputs")[1].at("role"), "platform");
}

TEST(Outputs, ColumnNamesCarryTheirUnitsAndServicesNameTheirDemandUnit) {
  const TempDir dir;
  ASSERT_EQ(run_scenario(dir, {pool("GB200", 72), pool("H100", 16)},
                         workload(7200, {training_job("a", 0, 8, 1e18)}, {h100_service({50, 80})}))
                .exit_code,
            0);
  const auto usage = read_csv(dir.path("out/timeseries.csv"));
  ASSERT_FALSE(usage.empty());
  EXPECT_TRUE(usage[0].count("effective_flops_per_s"));
  const auto services = read_csv(dir.path("out/services_timeseries.csv"));
  ASSERT_FALSE(services.empty());
  EXPECT_EQ(services[0].at("unit"), "tokens");
  EXPECT_TRUE(services[0].count("demand_per_s"));
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_TRUE(s.at("pools")[0].count("peak_flops_per_s_per_gpu"));
  EXPECT_TRUE(s.at("training").at("jobs_completed").is_number_integer());
  EXPECT_TRUE(s.at("fleet").at("gpus").is_number_integer());
}

}  // namespace
}  // namespace gpufleet::test
