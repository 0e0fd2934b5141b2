// Power that follows load (docs/metrics.md, "Energy"): a replica's GPUs draw idle power plus
// their load's share of (TDP - idle), computed by SimGrid's energy plugin; worked by hand.
#include <gtest/gtest.h>

#include "sim/replica_power.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

json summary_of(const TempDir& dir) {
  return json::parse(read_file(dir.path("out/summary.json")));
}

double pool_kwh(const json& summary, const std::string& name) {
  for (const auto& p : summary["pools"])
    if (p["name"] == name) return p["energy_kwh"].get<double>();
  ADD_FAILURE() << "no pool " << name;
  return 0;
}

TEST(ReplicaPower, LoadIsServedOverCapacity) {
  EXPECT_EQ(replica_load(0, 100), 0);
  EXPECT_EQ(replica_load(50, 100), 0.5);
  EXPECT_EQ(replica_load(250, 100), 1);  // the excess is not served: the replica is full
  EXPECT_EQ(replica_load(50, 0), 0);     // no capacity: nothing to load
}

TEST(ReplicaPower, BusyGpusSplitIntoWholeGpusAndAPart) {
  const BusyGpus b = split_busy(8 * 0.45);  // 3.6 GPUs' worth
  EXPECT_EQ(b.whole, 3);
  EXPECT_NEAR(b.part, 0.6, 1e-12);
  EXPECT_EQ(split_busy(4).whole, 4);
  EXPECT_EQ(split_busy(4).part, 0);
  EXPECT_EQ(split_busy(4 - 1e-12).whole, 4);  // within rounding of whole
  EXPECT_EQ(split_busy(0).whole, 0);
  EXPECT_EQ(split_busy(0).part, 0);
}

// One 8-GPU H100 server (idle 100 W, TDP 700 W per GPU) holds one replica of 100 units/s for
// three hours (the oracle forecast holds the peak from the start). Demand d1, d2, d3 units/s in
// the three hours gives loads d/100, and
//   E = 8 x 100 W x 3 h + 8 x (700 - 100) W x (d1 + d2 + d3) / 100 h.
double replica_kwh(const std::vector<double>& demand) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("H100", 8)},
                              workload(3 * 3600, json::array(), {h100_service(demand)}),
                              {"--forecast", "oracle"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return summary_of(dir)["fleet"]["energy_kwh"].get<double>();
}

TEST(ReplicaPower, IdleAndLoadedEnergyOfOneReplicaWorkedByHand) {
  // 0, 50% and 100% load: 2.4 kWh idle + 4.8 kW x 1.5 h = 9.6 kWh (TDP all along: 16.8 kWh).
  EXPECT_NEAR(replica_kwh({0, 50, 100}), 2.4 + 4.8 * 1.5, 1e-6);
  // 45% is 3.6 GPUs' worth: three whole GPUs and a bounded part of a fourth.
  EXPECT_NEAR(replica_kwh({0, 45, 100}), 2.4 + 4.8 * 1.45, 1e-6);
  // Demand above capacity loads the replica fully, not more.
  EXPECT_NEAR(replica_kwh({100, 300, 100}), 2.4 + 4.8 * 3, 1e-6);
}

// An inference pool and a training pool side by side: each pool's energy is its own hand
// computation, and the fleet's is their sum. The training job's energy is what it was before
// power followed load: its GPUs draw TDP while they compute.
TEST(ReplicaPower, PoolsAddUpAndTrainingStillDrawsFullPower) {
  TempDir dir;
  const double work = 36 * kGb200Flops * 0.4 * 3600;  // 36 GB200 GPUs for 1 h
  // Two H100 servers, one replica (peak 80 of 100 units/s): the other server stays idle.
  const auto r =
      run_scenario(dir, {pool("H100", 16), pool("GB200", 72)},
                   workload(2 * 3600, {training_job("a", 0, 36, work)}, {h100_service({20, 80})}),
                   {"--forecast", "oracle"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_of(dir);
  // H100: 16 x 100 W x 2 h + 8 x 600 W x (0.2 + 0.8) h = 3.2 + 4.8 kWh.
  const double h100 = 3.2 + 4.8 * 1.0;
  // GB200 rack: 72 x 300 W x 2 h + 36 x 900 W x 1 h (EnergyMatchesHandComputation's case).
  const double gb200 = (21600.0 * 7200 + 64800.0 * 0.5 * 3600) / 3.6e6;
  EXPECT_NEAR(pool_kwh(s, "h100"), h100, 1e-6);
  EXPECT_NEAR(pool_kwh(s, "gb200"), gb200, gb200 * 1e-3);
  EXPECT_NEAR(s["fleet"]["energy_kwh"].get<double>(), pool_kwh(s, "h100") + pool_kwh(s, "gb200"),
              1e-9);
}

}  // namespace
}  // namespace gpufleet::test
