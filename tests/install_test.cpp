// `cmake --install` gives a gpufleet that runs from any folder on the data installed beside it
// (no source path compiled in), with its man page.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

namespace fs = std::filesystem;

class Install : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string build = fs::path(GPUFLEET_CLI).parent_path().string();
    prefix_ = new TempDir();
    ASSERT_EQ(run_shell("cmake --install '" + build + "' --prefix '" + prefix_->path("p") + "' >'" +
                        prefix_->path("install.log") + "' 2>&1"),
              0)
        << read_file(prefix_->path("install.log"));
  }
  static void TearDownTestSuite() {
    delete prefix_;
    prefix_ = nullptr;
  }
  static std::string installed(const std::string& relative) {
    return prefix_->path("p/" + relative);
  }
  static TempDir* prefix_;
};

TempDir* Install::prefix_ = nullptr;

TEST_F(Install, PutsTheBinaryDataManPageAndDocsUnderThePrefix) {
  for (const char* file : {"bin/gpufleet", "share/gpufleet/platforms/seed.xml",
                           "share/gpufleet/workloads/scenarios/seed.json",
                           "share/gpufleet/workloads/shapes/servegen-m-small.json",
                           "share/gpufleet/schemas/workload.schema.json",
                           "share/gpufleet/schemas/gpu-catalog.schema.json",
                           "share/gpufleet/catalogs/gpu-catalog.json", "share/man/man1/gpufleet.1",
                           "share/doc/gpufleet/README.md", "share/doc/gpufleet/metrics.md"})
    EXPECT_TRUE(fs::is_regular_file(installed(file))) << file;
  const std::string man = read_file(installed("share/man/man1/gpufleet.1"));
  EXPECT_NE(man.find(".TH GPUFLEET \"1\""), std::string::npos) << man.substr(0, 400);
  EXPECT_NE(man.find("GPUFLEET_DATA"), std::string::npos);
  EXPECT_NE(man.find("\\-\\-version"), std::string::npos);
}

TEST_F(Install, RunsFromAnyFolderOnTheDataInstalledBesideIt) {
  const TempDir elsewhere;
  const std::string run = "cd '" + elsewhere.path("") + "' && env -u GPUFLEET_DATA '" +
                          installed("bin/gpufleet") + "' run --scale 0.1 --horizon 2d -q --out out";
  ASSERT_EQ(run_shell(run + " >'" + elsewhere.path("log") + "' 2>&1"), 0)
      << read_file(elsewhere.path("log"));
  const auto summary = nlohmann::json::parse(read_file(elsewhere.path("out/summary.json")));
  // The scenario came from the prefix, not from the source tree the binary was built from.
  const std::string scenario = summary.at("provenance").at("inputs").at(0).at("file");
  EXPECT_EQ(scenario, fs::path(installed("share/gpufleet/workloads/scenarios/seed.json"))
                          .lexically_normal()
                          .string());
}

TEST_F(Install, GpufleetDataOverridesTheDataFolderAndAWrongOneIsNamed) {
  const TempDir elsewhere;
  const std::string run = "cd '" + elsewhere.path("") + "' && GPUFLEET_DATA=/nonexistent '" +
                          installed("bin/gpufleet") + "' run -q --out out >'" +
                          elsewhere.path("log") + "' 2>&1";
  EXPECT_EQ(run_shell(run), 2);
  EXPECT_NE(read_file(elsewhere.path("log")).find("/nonexistent"), std::string::npos)
      << read_file(elsewhere.path("log"));
  EXPECT_FALSE(fs::exists(elsewhere.path("out")));
}

}  // namespace
}  // namespace gpufleet::test
