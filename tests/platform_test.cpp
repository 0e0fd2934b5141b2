#include <gtest/gtest.h>

#include "formats/platform_writer.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

// The shipped seed platform is the seed scenario's fleet at scale 1 as the generator writes
// it today; regenerate it with the command in docs/seed-scenario.md when either changes.
TEST(Platform, SeedPlatformFileIsInStepWithTheSeedScenario) {
  const std::string shipped = read_file(std::string(GPUFLEET_SOURCE_DIR) + "/platforms/seed.xml");
  TempDir dir;
  const auto r =
      run_cli({"generate", "-o", dir.path("w.json"), "--platform-out", dir.path("p.xml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir.path("p.xml")), shipped);
  EXPECT_EQ(platform_xml(
                {pool("GB200", 1728), pool("GB300", 1440), pool("H100", 4960), pool("H200", 1872)}),
            shipped);
}

TEST(Platform, FatTreeShapeFitsAnyWholeNumberOfDomains) {
  // 12 NVL72 racks: leaves of 6 (largest divisor <= 8), 2 leaves, 6 spines.
  const std::string xml = platform_xml({pool("GB200", 12 * 72)});
  EXPECT_NE(xml.find("topo_parameters=\"2;6,2;1,6;1,1\""), std::string::npos);
  EXPECT_NE(xml.find("core=\"72\""), std::string::npos);
  EXPECT_NE(xml.find("wattage_per_state\" value=\"21600:21600:86400\""), std::string::npos);
  // GB300 scale-out is 800 Gb/s per GPU: 72 x 100 GB/s per rack.
  EXPECT_NE(platform_xml({pool("GB300", 72)}).find("bw=\"7.2e+12Bps\""), std::string::npos);
}

TEST(Platform, GeneratedFleetOfAnySizeLoadsAndRuns) {
  TempDir dir;
  // 7 H100 servers: a prime count of domains still makes a valid fat tree.
  const auto r = run_scenario(dir, {pool("GB200", 4 * 72), pool("H100", 7 * 8)},
                              workload(3600, {training_job("a", 0, 144, 1e19)}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Platform, PoolSpecParsing) {
  const auto spec = parse_pool_spec("H200:512");
  EXPECT_EQ(spec.model, "H200");
  EXPECT_EQ(spec.gpus, 512);
  EXPECT_THROW(parse_pool_spec("H200"), std::invalid_argument);
  EXPECT_THROW(parse_pool_spec("H200:lots"), std::invalid_argument);
}

}  // namespace
}  // namespace gpufleet::test
