// Studies that cannot lose or mix results (issue 30, docs/studies.md "One study per folder",
// "Bounds"): one writer per folder, resume by content, the whole study file checked before
// anything runs, stale temporaries removed, and on Slurm a stopped study that takes its array
// with it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/folder_lock.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// 2 policies x 2 fleets x 2 seeds of a small, short draw: 8 runs of a few tenths of a second.
json small_study(const std::string& extra = "{}") {
  json doc = json::parse(R"({"format": "gpufleet-study", "version": 1, "scale": 0.1, "days": 2,
    "seeds": [1, 2], "policies": ["static-partition", "easy-backfill"],
    "fleets": [{"name": "base"}, {"name": "more", "changes": ["GB200:+72"]}]})");
  const json fields = json::parse(extra);  // items() of a temporary would dangle
  for (const auto& [key, value] : fields.items()) doc[key] = value;
  return doc;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(StudyFolder, ASecondWriterIsRefusedAndALockOfADeadProcessIsTaken) {
  TempDir dir;
  const auto spec = dir.write("s.json", small_study().dump());
  const std::string out = dir.path("out");
  {
    const FolderLock held(out);  // another study, alive: this process
    const auto r = run_cli({"study", spec, "--out", out});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(has(r.err, "another study (pid " + std::to_string(::getpid()) +
                               ") is writing into this folder"))
        << r.err;
    EXPECT_FALSE(fs::exists(out + "/inputs"));
    EXPECT_FALSE(fs::exists(out + "/runs"));
  }
  // The lock file stays, with the pid of a process that is gone: free to take.
  std::ofstream(out + "/study.lock") << "999999999\n";
  const auto r = run_cli({"study", spec, "--out", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_csv(out + "/study.csv").size(), 8u);
}

TEST(StudyFolder, TwoStudiesStartedTogetherOnOneFolderLeaveOneStudysFiles) {
  TempDir dir;
  const auto ten = dir.write("ten.json", small_study(R"({"days": 1})").dump());
  const auto two = dir.write("two.json", small_study().dump());
  const std::string out = dir.path("out");
  const std::string cli = GPUFLEET_CLI;
  run_shell("('" + cli + "' study '" + ten + "' --out '" + out + "' >/dev/null 2>'" +
            dir.path("a.err") + "'; echo $? > '" + dir.path("a.rc") + "') & ('" + cli +
            "' study '" + two + "' --out '" + out + "' >/dev/null 2>'" + dir.path("b.err") +
            "'; echo $? > '" + dir.path("b.rc") + "') & wait");
  const std::string a = read_file(dir.path("a.rc")), b = read_file(dir.path("b.rc"));
  // One ran, the other was refused; or, when the first had ended before the second began,
  // both ran one after the other. Never two at once.
  const bool refused = a == "2\n" || b == "2\n";
  EXPECT_TRUE((a == "0\n" && b == "0\n") || (refused && (a == "0\n" || b == "0\n")))
      << a << b << read_file(dir.path("a.err")) << read_file(dir.path("b.err"));
  if (refused) {
    EXPECT_TRUE(has(read_file(dir.path(a == "2\n" ? "a.err" : "b.err")), "another study"));
  }
}

TEST(StudyFolder, EmptyRootAndControlCharacterOutsAreRefused) {
  TempDir dir;
  const auto spec = dir.write("s.json", small_study().dump());
  for (const auto& [out, why] :
       std::vector<std::pair<std::string, std::string>>{{"", "--out \"\": empty"},
                                                        {"/", "the filesystem root"},
                                                        {"/../", "the filesystem root"},
                                                        {dir.path("a\nb"), "control character"}}) {
    const auto r = run_cli({"study", spec, "--out", out});
    EXPECT_EQ(r.exit_code, 2) << out << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(has(r.err, why)) << r.err;
  }
  EXPECT_FALSE(fs::exists("/inputs"));
  EXPECT_FALSE(fs::exists(dir.path("a\nb")));
}

TEST(StudyResume, EverySpellingOfTheFolderResumesWithNothingRedone) {
  TempDir dir;
  const auto spec = dir.write("s.json", small_study().dump());
  const std::string out = dir.path("out");
  const auto first = run_cli({"study", spec, "--out", out});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string csv = read_file(out + "/study.csv");
  const std::string relative = fs::relative(out).string();
  for (const std::string& spelling :
       {out + "/", out + "/.", fs::path(out).parent_path().string() + "/./out", relative,
        "./" + relative, relative + "//"}) {
    const auto again = run_cli({"study", spec, "--out", spelling});
    ASSERT_EQ(again.exit_code, 0) << spelling << again.err;
    EXPECT_TRUE(has(again.err, "8 runs, 8 done before, 0 to run")) << spelling << again.err;
    EXPECT_EQ(read_file(out + "/study.csv"), csv) << spelling;
  }
  // Moved elsewhere, the folder still resumes: the identity is the inputs' content.
  fs::rename(out, dir.path("moved"));
  const auto moved = run_cli({"study", spec, "--out", dir.path("moved")});
  EXPECT_TRUE(has(moved.err, "8 runs, 8 done before, 0 to run")) << moved.err;
}

TEST(StudyResume, TemporariesOfAKilledStudyAreRemovedByTheNextRun) {
  TempDir dir;
  const auto spec = dir.write("s.json", small_study().dump());
  const std::string out = dir.path("out");
  ASSERT_EQ(run_cli({"study", spec, "--out", out}).exit_code, 0);
  // As a kill -9 while staging leaves them: NAME.tmp.PID of a process that is gone.
  const std::vector<std::string> stale = {
      out + "/inputs/seed-1/workload.json.tmp.999999999", out + "/study.csv.tmp.999999998",
      out + "/runs/static-partition-base/seed-1/jobs.csv.tmp.999999997"};
  for (const auto& path : stale) std::ofstream(path) << "half";
  const std::string live = out + "/inputs/notes.txt.tmp." + std::to_string(::getpid());
  std::ofstream(live) << "a live process's";
  const auto r = run_cli({"study", spec, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "removed 3 temporaries")) << r.err;
  for (const auto& path : stale) EXPECT_FALSE(fs::exists(path)) << path;
  EXPECT_TRUE(fs::exists(live));  // its process is alive: not stale
}

// The study file's mistakes, each refused with exit 2 in one line naming the field, before
// anything is written.
TEST(StudyChecks, EveryFieldIsCheckedWithTheFileAndFieldNamed) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"fleets": [{"name": "a"}, {"name": "b", "changes": ["H100:+1e7%"]}]})",
       "s.json: fleets[1].changes[0]: fleet change 'H100:+1e7%': a share must be from -100% to "
       "+1000%"},
      {R"({"fleets": [{"name": "b", "changes": ["GB200:+72", "GB300:+9999936"]}]})",
       "fleets[0].changes[1]: fleet change 'GB300:+9999936': at most 1,000,000 GPUs"},
      {R"({"fleets": [{"name": "b", "changes": ["H100:+3"]}]})",
       "fleets[0].changes[0]: fleet change 'H100:+3' rounds to no GPU"},
      {R"({"fleets": [{"name": "b", "changes": ["H100:+0.5%"]}]})",
       "fleets[0].changes[0]: fleet change 'H100:+0.5%' rounds to no GPU"},
      {R"({"scenario": "nope"})", "s.json: scenario: unknown scenario 'nope'"},
      {R"({"fleets": [{"name": "b", "changes": ["B300:-50%"]}]})",
       "fleets[0].changes[0]: fleet change 'B300:-50%': the fleet has no B300 pool"},
      {R"({"fleets": [{"name": "+72 GB300", "changes": ["GB300:+72"]},
                      {"name": "-72 GB300", "changes": ["GB300:-72"]}]})",
       "fleets: fleets '+72 GB300' and '-72 GB300' would share the folder name '72-GB300'"},
      {R"({"fleets": [{"name": "+-+"}]})", "fleets[0].name: '+-+' has no letter or digit"},
      {R"({"policies": ["easy-backfill", {"policy": "easy-backfill", "forecast": "weekly"}]})",
       "policies[1]: the same policy as policies[0]"},
      {R"({"policies": [{"policy": "lease-idle", "params": ["lease_headroom=0x1"]}]})",
       "policies[0].params[0]: 'lease_headroom=0x1': lease_headroom must be"},
      {R"({"policies": [{"policy": "lease-idle", "params": ["headroom=0.1"]}]})",
       "policies[0].params[0]: 'headroom=0.1': unknown parameter"},
      {R"({"policies": [{"policy": "lease-idle", "forecast": "psychic"}]})",
       "policies[0].forecast: unknown forecast 'psychic'"},
      {R"({"forecast": "psychic"})", "s.json: forecast: unknown forecast"},
      {R"({"policies": ["easy-backfil"]})", "policies[0]: unknown policy 'easy-backfil'"},
      {R"({"scale": 1000})", "scale: above 100"},
      {R"({"days": 1e-9})", "days: must be from 1/86400"},
      {R"({"days": 0})", "days: must be from 1/86400"},
      {R"({"timeout_min": 0.0001})", "timeout_min: must be from 1/60"},
      {R"({"timeout_min": 1e300})", "timeout_min: must be from 1/60"},
      {R"({"metrics": ["training.capacity_gap~"]})", "metrics[0]: unknown summary.json key"},
      {R"({"metrics": ["training.capacity_gap_window_s.99999999999999999999999"]})",
       "metrics[0]: unknown summary.json key"},
      {R"({"seeds": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
           "policies": [{"policy": "lease-idle", "params": ["lease_headroom={h}"],
                         "sweep": {"h": [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]}}],
           "fleets": [{"name": "f{n}", "changes": ["GB300:+{n}"],
                       "sweep": {"n": [72, 144, 216, 288, 360, 432, 504, 576, 648, 720, 792,
                                       864, 936, 1008, 1080, 1152, 1224, 1296, 1368, 1440,
                                       1512, 1584, 1656, 1728, 1800, 1872, 1944, 2016, 2088,
                                       2160, 2232, 2304, 2376, 2448, 2520, 2592, 2664, 2736,
                                       2808, 2880, 2952, 3024, 3096, 3168, 3240, 3312, 3384,
                                       3456, 3528, 3600, 3672, 3744, 3816, 3888, 3960, 4032,
                                       4104, 4176, 4248, 4320, 4392, 4464, 4536, 4608, 4680,
                                       4752, 4824, 4896, 4968, 5040, 5112, 5184, 5256, 5328,
                                       5400, 5472, 5544, 5616, 5688, 5760, 5832, 5904, 5976,
                                       6048, 6120, 6192, 6264, 6336, 6408, 6480, 6552, 6624,
                                       6696, 6768, 6840, 6912, 6984, 7056, 7128, 7200, 7272]}}]})",
       "fleets[0].sweep.n: 101 values: the study would have more than 100 fleets"},
  };
  int k = 0;
  for (const auto& [extra, error] : cases) {
    const std::string out = dir.path("out" + std::to_string(k++));
    const auto r = run_cli({"study", dir.write("s.json", small_study(extra).dump()), "--out", out});
    EXPECT_EQ(r.exit_code, 2) << extra << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(has(r.err, error)) << "want: " << error << "\ngot:  " << r.err;
    EXPECT_FALSE(has(r.err, "--param")) << r.err;
    EXPECT_FALSE(has(r.err, "--days")) << r.err;
    EXPECT_FALSE(fs::exists(out)) << extra;
  }
}

TEST(StudyChecks, ASmallFileCannotAskForMoreThanTenThousandRuns) {
  TempDir dir;
  // 1,000 seeds x 20 policies: 20,000 runs, refused before any draw.
  json doc = small_study();
  doc["seeds"] = json::array();
  for (int s = 0; s < 1000; ++s) doc["seeds"].push_back(s);
  doc["fleets"] = json::array({json{{"name", "base"}}});
  doc["policies"] = json::array({json{{"policy", "lease-idle"},
                                      {"params", json::array({"lease_headroom={h}"})},
                                      {"sweep", json::object({{"h", json::array()}})}}});
  for (int h = 0; h < 20; ++h) doc["policies"][0]["sweep"]["h"].push_back(h / 100.0);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_cli({"study", dir.write("s.json", doc.dump()), "--out", dir.path("out")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err,
                  "s.json: policies: the study asks for 20000 runs (20 policies x 1 "
                  "fleets x 1000 seeds), more than 10,000"))
      << r.err;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5);
  // A sweep of a million values is refused at its list, not expanded.
  doc["policies"][0]["sweep"]["h"] = json::array();
  for (int h = 0; h < 1001; ++h) doc["policies"][0]["sweep"]["h"].push_back(h);
  const auto sweep = run_cli({"study", dir.write("s.json", doc.dump()), "--out", dir.path("out")});
  EXPECT_EQ(sweep.exit_code, 2) << sweep.err;
  EXPECT_TRUE(has(sweep.err, "policies[0].sweep.h: 1001 values")) << sweep.err;
}

TEST(StudyChecks, AMissingSbatchIsRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  const auto spec = dir.write("s.json", small_study().dump());
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", dir.path("nothing-here").c_str(), 1);
  const auto r = run_cli({"study", spec, "--backend", "slurm", "--out", dir.path("out")});
  setenv("PATH", path.c_str(), 1);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "--backend slurm: no sbatch on PATH")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path("out")));
}

}  // namespace
}  // namespace gpufleet::test
