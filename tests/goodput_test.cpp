// Training goodput and the split of the GPU-hours training jobs hold (docs/metrics.md,
// docs/failures.md), against hand-worked cases: a restart cut short by the next failure, work
// redone after a preemption, and --restart-delay.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

json summary_in(const TempDir& dir) {
  return json::parse(read_file(dir.path("out/summary.json")));
}

// The parts of training.gpu_hours other than allocated add up to allocated.
void expect_parts_add_up(const json& gpu_hours) {
  double parts = 0;
  for (const char* key : {"useful", "redone_after_failure", "redone_after_preemption", "restart",
                          "checkpoint", "killed_at_walltime"})
    parts += gpu_hours.at(key).get<double>();
  const double allocated = gpu_hours.at("allocated");
  EXPECT_NEAR(parts, allocated, 1e-9 * allocated);
}

// One 8-GPU job alone on its 8 H100 GPUs (3 h of compute), checkpointing every hour of compute
// (--checkpoint workload) at 60 s a write (120 TB at 2 TB/s): its compute stretches by 3660 /
// 3600, and a checkpoint completes every 3,660 s of running time. Failures every 2 h on average
// (1.5 per GPU-day on 8 GPUs), none taking a GPU down (--repair-scale 0), a 30 min restart.
// Seed 90 draws the pool's failures at t1 = 7,661.354984 s and t2 = 8,148.316565 s, the next
// long after the job ends:
//   run 1, 0 to t1: two checkpoints done (7,320 s); of its 7,661.355 s, 7,535.759 s of compute
//     (x 3600/3660) of which 7,200 s are kept and 335.759 s redone, and 125.596 s of writes;
//   run 2, t1 to t2: restarting, cut short after 486.962 s of its 1,800 (booked as spent: the
//     old books counted the whole 1,800);
//   run 3, from t2: the whole restart, then the 3,600 s of compute left in 3,660 s (60 s of
//     writes): it ends at t2 + 1,800 + 3,660 = 13,608.317 s.
// x 8 GPUs / 3600: useful 24 GPU-h, redone after failure 0.746131, restart 5.082137, checkpoint
// 0.412435; allocated 30.240703 = 8 x 13,608.317 s; goodput 24 / 30.240703 = 0.793632.
TEST(Goodput, ARestartCutShortByTheNextFailureIsBookedAsTheTimeItRan) {
  const double t1 = 7661.354984, t2 = 8148.316565, R = 1800, s = 3660.0 / 3600;
  auto job = training_job("j", 0, 8, 3 * 3600.0 * 8 * 989e12 * 0.4);
  job["generations"] = json::array({{{"model", "H100"}, {"mfu", 0.4}}});
  job["checkpoint_interval_s"] = 3600;
  job["checkpoint_bytes"] = 60 * 2e12;
  auto h100 = pool("H100", 8);
  h100.role = "training";
  TempDir dir;
  const auto r =
      run_scenario(dir, {h100}, workload(86400, {job}),
                   {"--failures", "on", "--failure-rate", "1.5", "--repair-scale", "0",
                    "--restart-delay", "30m", "--checkpoint", "workload", "--seed", "90"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s_json = summary_in(dir);
  ASSERT_EQ(s_json.at("failures").at("interruptions"), 2) << "the failures drawn moved";
  const double end = t2 + R + 3600 * s;
  const auto row = read_csv(dir.path("out/jobs.csv")).at(0);
  ASSERT_NEAR(std::stod(row.at("end_s")), end, 1e-3) << "the failures drawn moved";
  const double run1_compute = t1 / s;
  const auto& h = s_json.at("training").at("gpu_hours");
  const double g = 8.0 / 3600;  // GPU-hours per second of the job
  EXPECT_NEAR(h.at("allocated").get<double>(), end * g, 1e-6);
  EXPECT_NEAR(h.at("useful").get<double>(), 3 * 3600 * g, 1e-6);
  EXPECT_NEAR(h.at("redone_after_failure").get<double>(), (run1_compute - 7200) * g, 1e-6);
  EXPECT_EQ(h.at("redone_after_preemption").get<double>(), 0);
  EXPECT_NEAR(h.at("restart").get<double>(), ((t2 - t1) + R) * g, 1e-6);
  EXPECT_NEAR(h.at("checkpoint").get<double>(), ((t1 - run1_compute) + 60) * g, 1e-6);
  EXPECT_EQ(h.at("killed_at_walltime").get<double>(), 0);
  expect_parts_add_up(h);
  const auto& lost = s_json.at("failures").at("gpu_hours_lost");
  EXPECT_NEAR(lost.at("restart").get<double>(), ((t2 - t1) + R) * g, 1e-6);
  EXPECT_NEAR(lost.at("lost_work").get<double>(), (run1_compute - 7200) * g, 1e-6);
  EXPECT_NEAR(s_json.at("training").at("goodput").get<double>(), 3 * 3600 / end, 1e-9);
}

// A GB200 job (MFU 0.4: 1e15 useful FLOP/s per GPU) with `hours` of work on its GPUs.
json gb200_job(const std::string& id, double submit_s, int gpus, double hours) {
  return training_job(id, submit_s, gpus, gpus * kGb200Flops * 0.4 * hours * 3600);
}

// Failures off. L (priority 0, 10 h on a whole 72-GPU rack, a checkpoint every hour) is
// preempted at 1.5 h by H (priority 2, 1 h): L keeps 1 h and loses 0.5 h (36 GPU-h redone), and
// after H it reloads for 10 minutes (12 GPU-h), then does its 9 h left. L holds 72 x (1.5 + 1/6
// + 9) h = 768 GPU-h, H 72: 840 allocated, 792 useful, goodput 792 / 840 = 0.942857. Before
// preemptions were counted, goodput read 1.
TEST(Goodput, CountsWorkRedoneAndTheReloadAfterAPreemption) {
  TempDir dir;
  json low = gb200_job("L", 0, 72, 10);
  json high = gb200_job("H", 5400, 72, 1);
  high["priority"] = 2;
  const auto r = run_scenario(dir, {pool("GB200", 72)}, workload(20 * 3600, {low, high}),
                              {"--policy", "preempt-priority", "--param", "restart_delay_min=10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_in(dir);
  ASSERT_EQ(s.at("training").at("preemptions"), 1);
  const auto& h = s.at("training").at("gpu_hours");
  EXPECT_NEAR(h.at("allocated").get<double>(), 840, 1e-6);
  EXPECT_NEAR(h.at("useful").get<double>(), 792, 1e-6);
  EXPECT_NEAR(h.at("redone_after_preemption").get<double>(), 36, 1e-6);
  EXPECT_NEAR(h.at("restart").get<double>(), 12, 1e-6);
  EXPECT_EQ(h.at("redone_after_failure").get<double>(), 0);
  EXPECT_EQ(h.at("checkpoint").get<double>(), 0);  // free with failures off
  expect_parts_add_up(h);
  EXPECT_NEAR(s.at("training").at("goodput").get<double>(), 792.0 / 840, 1e-9);
  // Failures off: a preemption's reload is no failure's.
  EXPECT_EQ(s.at("failures").at("gpu_hours_lost").at("restart").get<double>(), 0);
}

TEST(RestartDelay, SetsTheReloadOfAnInterruptedJobAndRefusesWhatIsNoDelay) {
  TempDir dir;
  const std::vector<std::string> base = {"run", "--scale", "0.05",       "--horizon",
                                         "1d",  "-q",      "--failures", "on"};
  auto run = [&](const std::string& delay) {
    auto args = base;
    args.insert(args.end(), {"--restart-delay", delay, "--out", dir.path("out")});
    return run_cli(args);
  };
  ASSERT_EQ(run("10m").exit_code, 0);
  EXPECT_EQ(summary_in(dir).at("failures").at("restart_delay_s"), 600);
  ASSERT_EQ(run("0s").exit_code, 0);
  EXPECT_EQ(summary_in(dir).at("failures").at("restart_delay_s"), 0);
  TempDir defaults;
  ASSERT_EQ(run_cli({"run", "--scale", "0.05", "--horizon", "1d", "-q", "--failures", "on", "--out",
                     defaults.path("out")})
                .exit_code,
            0);
  EXPECT_EQ(summary_in(defaults).at("failures").at("restart_delay_s"), 300);
  // A bare number is days elsewhere; a negative delay, over a day or not a number are refused.
  for (const char* bad : {"300", "-5s", "25h", "2d", "nan", "s", "5 minutes"}) {
    const auto r = run(bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--restart-delay " + std::string(bad) + ":"), std::string::npos) << r.err;
  }
  const auto compare = run_cli({"compare", "--policies", "static-partition", "--scale", "0.05",
                                "--restart-delay", "300", "--out", dir.path("cmp"), "-q"});
  EXPECT_EQ(compare.exit_code, 2);
  EXPECT_NE(compare.err.find("--restart-delay 300:"), std::string::npos) << compare.err;
  const auto study_file =
      dir.write("study.json", json({{"format", "gpufleet-study"},
                                    {"version", 1},
                                    {"seeds", json::array({1})},
                                    {"policies", json::array({"static-partition"})},
                                    {"restart_delay", "300"}})
                                  .dump());
  const auto study = run_cli({"study", study_file, "--out", dir.path("study"), "-q"});
  EXPECT_EQ(study.exit_code, 2);
  EXPECT_NE(study.err.find("restart_delay"), std::string::npos) << study.err;
}

}  // namespace
}  // namespace gpufleet::test
