// Users, accounts and the `slurm` training order (docs/policies.md, "slurm"; docs/metrics.md,
// "Users and accounts"): Slurm's fair-share formula on its own documented example and on a
// hand-worked two-user case, the start order it gives, and the per-user figures.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "formats/workload_io.hpp"
#include "model/input_error.hpp"
#include "outputs/user_figures.hpp"
#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

constexpr double kDay = 86400;

// https://slurm.schedmd.com/classic_fair_share.html, "Example": accounts A (40 shares) and D
// (60) under the root; B (30) and C (10) under A, E (25) and F (35) under D; user 1 alone in B,
// users 2 and 3 (one share each) in C, user 4 in E, user 5 in F. Users 1, 2 and 4 used 0.2,
// 0.25 and 0.25 of the machine; the remaining 0.3 of the total is charged to none of them.
TEST(ClassicFairShare, ReproducesSlurmsDocumentedExample) {
  const std::vector<ShareNode> tree = {
      {-1, 1, 0.3},                                                     // 0 root
      {0, 40, 0},   {0, 60, 0},                                         // 1 A, 2 D
      {1, 30, 0},   {1, 10, 0},   {2, 25, 0}, {2, 35, 0},               // 3 B, 4 C, 5 E, 6 F
      {3, 1, 0.2},  {4, 1, 0.25}, {4, 1, 0},  {5, 1, 0.25}, {6, 1, 0},  // users 1-5
  };
  const auto f = classic_fair_share(tree);
  ASSERT_EQ(f.size(), tree.size());
  // The page's figures, to its six decimals.
  EXPECT_NEAR(f[7], 0.408479, 1e-6);   // 2^(-.3875 / .3)
  EXPECT_NEAR(f[8], 0.022097, 1e-6);   // 2^(-.275 / .05)
  EXPECT_NEAR(f[9], 0.125000, 1e-6);   // 2^(-.15 / .05)
  EXPECT_NEAR(f[10], 0.500000, 1e-6);  // 2^(-.25 / .25)
  EXPECT_NEAR(f[11], 0.749154, 1e-5);  // 2^(-.1458 / .35): the page rounds UE to .1458
  // No usage at all: every factor is 1.
  EXPECT_EQ(classic_fair_share({{-1, 1, 0}, {0, 1, 0}, {1, 1, 0}})[2], 1.0);
}

TrainingJob job_of(const std::string& id, const std::string& user, double submit_s, int gpus) {
  TrainingJob j;
  j.id = id;
  j.user = user;
  j.account = "team-" + user;
  j.submit_s = submit_s;
  j.gpus = gpus;
  j.work_flops = gpus * 1e15 * 0.4 * 3600;  // an hour on a GPU of 1e15 FLOP/s at MFU 0.4
  j.generations = {{"GB200", 0.4, 0}};
  return j;
}

Fleet rack() {
  Fleet fleet;
  Pool pool;
  pool.name = "gb200";
  pool.gpu_model = "GB200";
  pool.role = PoolRole::kTraining;
  pool.gpus_per_domain = 72;
  pool.peak_flops_per_gpu = 1e15;
  pool.domain_count = 1;
  fleet.pools.push_back(pool);
  fleet.domains.push_back({"h0", 0, 72});
  return fleet;
}

class SlurmOnly final : public Policy {
 public:
  explicit SlurmOnly(const MultifactorSettings& s) : order(s) {}
  void schedule(SchedulerCore& core) override {
    core.index_waiting();
    order.apply(core, PoolRole::kTraining);
  }
  MultifactorPriority order;
};

std::vector<int> started(const std::vector<Action>& actions) {
  std::vector<int> jobs;
  for (const auto& a : actions)
    if (const auto* s = std::get_if<StartTraining>(&a)) jobs.push_back(s->job);
  return jobs;
}

// The hand-worked case, on one 72-GPU rack, with the part's defaults (weights: age 1000,
// fair-share 10000, job size 1000, QOS 1000; PriorityMaxAge and PriorityDecayHalfLife 7 days)
// and priorities recalculated once a day (at days 0, 1, 7 and 8 here: usage accrued within a
// period is added undecayed at its end, as in Slurm's U_H = U_current + D U_last + ...):
//   a1 alice 72 GPUs runs days 0-1: 72 x 86400 = 6,220,800 GPU-s, halved by day 8 (one
//      half-life later): 3,110,400.
//   b1 bob 18 GPUs runs days 7-8: 18 x 86400 = 1,555,200 GPU-s, undecayed at day 8.
// At day 8: normalized usage alice 2/3, bob 1/3; each is alone in an account of equal shares,
// S = 1/2, and a lone user's effective usage is its account's: F = 2^(-U/S), alice 2^(-4/3) =
// 0.396850, bob 2^(-2/3) = 0.629961. Then a2 (alice, submitted day 7.5) and b2 (bob, day 7.75),
// 72 GPUs each (job size 1), priority 0 (QOS 0, the only one):
//   a2: 1000 x 0.5/7 + 10000 x 0.396850 + 1000 = 5039.93 -> 5039
//   b2: 1000 x 0.25/7 + 10000 x 0.629961 + 1000 = 7335.32 -> 7335
// so b2, submitted later, starts first when b1 ends.
TEST(SlurmOrder, FairShareWithDecayedUsageOrdersTwoUsersAsWorkedByHand) {
  const Fleet fleet = rack();
  Workload w;
  w.training = {job_of("a1", "alice", 0, 72), job_of("b1", "bob", 7 * kDay, 18),
                job_of("a2", "alice", 7.5 * kDay, 72), job_of("b2", "bob", 7.75 * kDay, 72)};
  // A day, as worked; then Slurm's 5 minutes and every pass, where b1's usage decays a little
  // while it accrues: the same order.
  for (double period : {kDay, 300.0, 0.0}) {
    MultifactorSettings settings;
    settings.calc_period_s = period;
    SlurmOnly policy(settings);
    SchedulerCore core(fleet, w, policy);
    const auto at = [&](double t) {
      core.set_time(t);
      return started(core.schedule());
    };
    core.training_submitted(0);
    EXPECT_EQ(at(0), std::vector<int>{0});
    core.set_time(kDay);
    core.training_finished(0);
    at(kDay);
    core.training_submitted(1);
    EXPECT_EQ(at(7 * kDay), std::vector<int>{1});
    core.training_submitted(2);
    EXPECT_TRUE(at(7.5 * kDay).empty());  // 54 GPUs free
    core.training_submitted(3);
    EXPECT_TRUE(at(7.75 * kDay).empty());
    core.set_time(8 * kDay);
    core.training_finished(1);
    EXPECT_EQ(at(8 * kDay), std::vector<int>{3}) << "period " << period;  // b2 before a2
    EXPECT_EQ(core.associations().users, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_NEAR(core.charged_gpu_seconds(0), 6220800, 1e-6);
    EXPECT_NEAR(core.charged_gpu_seconds(1), 1555200, 1e-6);
    if (period == kDay) {
      EXPECT_NEAR(policy.order.fair_share(0), std::exp2(-4.0 / 3), 1e-12);
      EXPECT_NEAR(policy.order.fair_share(1), std::exp2(-2.0 / 3), 1e-12);
      EXPECT_EQ(policy.order.priority(2), 5039);
      EXPECT_EQ(policy.order.priority(3), 7335);
    }
    core.set_time(8 * kDay + 3600);
    core.training_finished(3);
    EXPECT_EQ(at(8 * kDay + 3600), std::vector<int>{2});
  }
}

// The same case end to end: under slurm b2 starts at day 8 and a2 an hour later; easy-backfill
// and slurm without fair-share keep submission order (a2 is older).
TEST(SlurmOrder, EndToEndTheUnderServedUserGoesFirstWhereBackfillingKeepsQueueOrder) {
  const auto gb200 = [](const std::string& id, const std::string& user, double submit_s, int gpus,
                        double hours) {
    json j = training_job(id, submit_s, gpus, gpus * kGb200Flops * 0.4 * hours * 3600);
    j["user"] = user;
    j["account"] = "team-" + user;
    return j;
  };
  const json doc = workload(
      9 * kDay, {gb200("a1", "alice", 0, 72, 24), gb200("b1", "bob", 7 * kDay, 18, 24),
                 gb200("a2", "alice", 7.5 * kDay, 72, 1), gb200("b2", "bob", 7.75 * kDay, 72, 1)});
  struct Case {
    std::vector<std::string> args;
    bool b2_first;
  };
  for (const auto& c :
       {Case{{"--policy", "slurm"}, true}, Case{{"--policy", "easy-backfill"}, false},
        Case{{"--policy", "slurm", "--param", "priority_weight_fairshare=0"}, false}}) {
    TempDir dir;
    const auto r = run_scenario(dir, {pool("GB200", 72)}, doc, c.args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, double> start;
    for (auto& row : read_csv(dir.path("out/jobs.csv")))
      start[row["id"]] = std::stod(row["start_s"]);
    const double first = c.b2_first ? start["b2"] : start["a2"];
    const double second = c.b2_first ? start["a2"] : start["b2"];
    EXPECT_NEAR(first, 8 * kDay, 1e-6) << c.args.back();
    EXPECT_NEAR(second, 8 * kDay + 3600, 1e-6) << c.args.back();
  }
}

// easy-backfill's hand case under slurm: B (144 GPUs, job size 1) has the highest priority and
// waits for A; C (72 GPUs, 5 h) ends before B's reservation and backfills at once; D (20 h)
// would delay B and waits.
// A queue longer than one sort takes (MultifactorPriority::Order::kSortAll) is read from a heap
// as passes go: the jobs still start in Slurm's order, the highest priority as of the last calc
// first, then the earliest submitted, then the lowest index, as a scan of the whole queue finds
// it. Four users and five QOS levels; each job holds the whole rack for an hour, so that usage,
// hence fair-share and the order across users, moves between starts.
TEST(SlurmOrder, AQueueLongerThanOneSortStartsInPriorityOrder) {
  const int jobs = static_cast<int>(MultifactorPriority::Order::kSortAll) + 4000;
  Workload w;
  for (int i = 0; i < jobs; ++i) {
    w.training.push_back(job_of("j" + std::to_string(i), "u" + std::to_string(i % 4), i % 100, 72));
    w.training.back().priority = (i * 7919) % 5;
  }
  MultifactorSettings settings;
  SlurmOnly policy(settings);
  const Fleet fleet = rack();
  SchedulerCore core(fleet, w, policy);
  core.set_time(100);
  for (int i = 0; i < jobs; ++i) core.training_submitted(i);
  std::vector<bool> done(jobs, false);
  double t = 100;
  for (int step = 0; step < 40; ++step) {
    const auto now_started = started(core.schedule());
    ASSERT_EQ(now_started.size(), 1u) << "step " << step;
    const int job = now_started[0];
    done[job] = true;
    int expected = -1;
    for (int i = 0; i < jobs; ++i) {
      if (done[i] && i != job) continue;
      const auto key = [&](int k) {
        return std::make_tuple(-policy.order.priority(k), w.training[k].submit_s, k);
      };
      if (expected < 0 || key(i) < key(expected)) expected = i;
    }
    EXPECT_EQ(job, expected) << "step " << step;
    t += 3600;
    core.set_time(t);
    core.training_finished(job);
  }
}

TEST(SlurmOrder, BackfillsInPriorityOrderWithoutDelayingTheHead) {
  const auto job = [](const std::string& id, double submit_s, int gpus, double hours) {
    return training_job(id, submit_s, gpus, gpus * kGb200Flops * 0.4 * hours * 3600);
  };
  const json doc = workload(40 * 3600, {job("A", 0, 72, 10), job("B", 1, 144, 1),
                                        job("C", 2, 72, 5), job("D", 3, 72, 20)});
  TempDir dir;
  const auto r = run_scenario(dir, {pool("GB200", 144)}, doc, {"--policy", "slurm"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, double> start;
  for (auto& row : read_csv(dir.path("out/jobs.csv"))) start[row["id"]] = std::stod(row["start_s"]);
  EXPECT_DOUBLE_EQ(start.at("C"), 2);
  EXPECT_DOUBLE_EQ(start.at("B"), 36000);
  EXPECT_GT(start.at("D"), 36000);
  // Without users the summary has no per-user block; policies lists the part and its knobs.
  const auto summary = json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_FALSE(summary.contains("users"));
  EXPECT_EQ(summary["policy_params"]["priority_decay_half_life_h"].get<double>(), 168);
  const auto listing = run_cli({"policies"});
  EXPECT_NE(listing.out.find("slurm"), std::string::npos);
  EXPECT_NE(listing.out.find("priority_weight_fairshare"), std::string::npos);
}

TEST(JainIndex, ByHand) {
  EXPECT_DOUBLE_EQ(jain_index({1, 0.5}), 0.9);  // 1.5^2 / (2 x 1.25)
  EXPECT_DOUBLE_EQ(jain_index({1, 0, 0}), 1.0 / 3);
  EXPECT_DOUBLE_EQ(jain_index({0.4, 0.4, 0.4}), 1);
  EXPECT_DOUBLE_EQ(jain_index({}), 1);
  EXPECT_DOUBLE_EQ(jain_index({0, 0}), 1);
}

// Per-user figures by hand. GPUs of 1e15 FLOP/s at MFU 1: 3.6e18 FLOPs are one GPU-hour.
//   alice (team-a): j0 10 GPU-h, done, submitted 0, ran 3600-7200; j1 10 GPU-h, half done.
//   bob (team-b): j2 20 GPU-h, a quarter done. dave (team-b): j3 20 GPU-h, done.
//   carol (team-b): j4 submitted after the horizon: not counted.
// Normalized service: alice 15/20 = 0.75, bob 0.25, dave 1: J = 2^2 / (3 x 1.625) = 0.820513;
// accounts team-a 0.75, team-b 25/40 = 0.625: J = 1.375^2 / (2 x 0.953125) = 0.991803.
TEST(UserFigures, PerUserAndPerAccountServiceWaitsAndJainsIndexByHand) {
  Fleet fleet = rack();
  Workload w;
  const auto job = [](const std::string& user, const std::string& account, double gpu_h,
                      double submit_s) {
    TrainingJob j;
    j.id = user + std::to_string(submit_s);
    j.user = user;
    j.account = account;
    j.gpus = 1;
    j.submit_s = submit_s;
    j.work_flops = gpu_h * 3.6e18;
    j.generations = {{"GB200", 1, 0}};
    return j;
  };
  w.training = {job("alice", "team-a", 10, 0), job("alice", "team-a", 10, 1),
                job("bob", "team-b", 20, 2), job("dave", "team-b", 20, 3),
                job("carol", "team-b", 5, 1e6)};
  RunResult r;
  r.horizon_s = 1e5;
  r.training.resize(5);
  const auto ran = [&](int j, double start, double end, double done) {
    r.training[j].start_s = start;
    r.training[j].end_s = end;
    r.training[j].work_done_flops = done * w.training[j].work_flops;
  };
  ran(0, 3600, 7200, 1);
  ran(1, 7201, -1, 0.5);
  ran(2, 2, -1, 0.25);
  ran(3, 3, 40000, 1);
  const auto u = users_json(fleet, w, r);
  ASSERT_FALSE(u.is_null());
  EXPECT_EQ(u["users"], 3);
  EXPECT_EQ(u["accounts"], 2);
  EXPECT_NEAR(u["jain_index"].get<double>(), 4 / 4.875, 1e-12);
  EXPECT_NEAR(u["jain_index_accounts"].get<double>(), 1.375 * 1.375 / 1.90625, 1e-12);
  const auto& alice = u["by_user"][0];
  EXPECT_EQ(alice["user"], "alice");
  EXPECT_EQ(alice["jobs"], 2);
  EXPECT_NEAR(alice["demand_gpu_hours"].get<double>(), 20, 1e-9);
  EXPECT_NEAR(alice["served_gpu_hours"].get<double>(), 15, 1e-9);
  EXPECT_NEAR(alice["normalized_service"].get<double>(), 0.75, 1e-12);
  EXPECT_EQ(alice["wait_p50_s"], 3600);  // nearest rank of {3600, 7200}
  EXPECT_EQ(alice["wait_p95_s"], 7200);
  EXPECT_EQ(alice["jct_p50_s"], 7200);
  EXPECT_EQ(u["by_user"][1]["user"], "bob");
  EXPECT_EQ(u["by_account"][1]["account"], "team-b");
  EXPECT_NEAR(u["by_account"][1]["normalized_service"].get<double>(), 0.625, 1e-12);
  // A workload without users or accounts has no block.
  for (auto& j : w.training) j.user = j.account = "";
  EXPECT_TRUE(users_json(fleet, w, r).is_null());
}

TEST(WorkloadFormat, UserAndAccountAreReadWrittenOnlyWhenGivenAndNeverEmpty) {
  json doc = workload(3600, {training_job("a", 0, 8, 1e18), training_job("b", 0, 8, 1e18)});
  doc["training"][0]["user"] = "alice";
  doc["training"][0]["account"] = "team-a";
  const Workload w = parse_workload(doc, "w.json");
  EXPECT_EQ(w.training[0].user, "alice");
  EXPECT_EQ(w.training[0].account, "team-a");
  EXPECT_EQ(w.training[1].user, "");
  const json out = workload_to_json(w);
  EXPECT_EQ(out["training"][0]["account"], "team-a");
  EXPECT_FALSE(out["training"][1].contains("user"));
  doc["training"][1]["user"] = "";
  try {
    parse_workload(doc, "w.json");
    FAIL() << "an empty user was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("training[1].user"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gpufleet::test
