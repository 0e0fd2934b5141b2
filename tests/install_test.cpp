// `cmake --install` gives a gpufleet that runs from any folder on the data installed beside it
// (no source path compiled in), with its man page.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

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

// The installed Python module runs from another folder, from a copy of the prefix (nothing of the
// build or source tree, and no path of the first install, is needed): it finds the gpufleet
// program and the data installed beside it.
TEST_F(Install, ThePythonModuleRunsFromACopyOfThePrefixInAnotherFolder) {
#ifndef GPUFLEET_PYTHON_INSTALL_DIR
  GTEST_SKIP() << "built without the Python module (GPUFLEET_PYTHON=OFF)";
#else
  const TempDir elsewhere;
  const std::string moved = elsewhere.path("moved");
  ASSERT_EQ(run_shell("cp -a '" + installed("") + "' '" + moved + "'"), 0);
  const std::string site = moved + "/" GPUFLEET_PYTHON_INSTALL_DIR;
  ASSERT_TRUE(fs::is_regular_file(site + "/gpufleet/__init__.py")) << site;
  const std::string script =
      "import gpufleet; print(gpufleet.__file__); "
      "r = gpufleet.run(scale=0.1, horizon='2d', quiet=True, out='out'); "
      "print(r.summary['provenance']['inputs'][0]['file']); print(len(r.jobs))";
  const std::string command =
      "cd '" + elsewhere.path("") + "' && env -u GPUFLEET_DATA PYTHONPATH='" + site +
      "' " GPUFLEET_PYTHON3 " -c \"" + script + "\" >'" + elsewhere.path("log") + "' 2>&1";
  ASSERT_EQ(run_shell(command), 0) << read_file(elsewhere.path("log"));
  std::istringstream lines(read_file(elsewhere.path("log")));
  std::string module, scenario, jobs;
  std::getline(lines, module);
  std::getline(lines, scenario);
  std::getline(lines, jobs);
  const auto normal = [](const std::string& p) { return fs::path(p).lexically_normal().string(); };
  EXPECT_EQ(module, normal(site + "/gpufleet/__init__.py"));
  // The scenario came from the copied prefix.
  EXPECT_EQ(scenario, normal(moved + "/share/gpufleet/workloads/scenarios/seed.json"));
  EXPECT_GT(std::stoi(jobs), 0);
  EXPECT_TRUE(fs::is_regular_file(elsewhere.path("out/jobs.csv")));
#endif
}

}  // namespace
}  // namespace gpufleet::test
