// `gpufleet import slurm` and `platform --from-slurm`: hand-written sacct, scontrol and sinfo
// files (tests/data/slurm/, in the layout a real Slurm 22.05 prints), and a real Slurm with
// accounting (slurmctld, slurmd, slurmdbd, MariaDB) started for the test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "import/importers.hpp"
#include "import/slurm/slurm.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

const std::string kData = "tests/data/slurm/";
const std::string kMap = kData + "partition-map.json";

ImportOptions with_map() {
  ImportOptions options;
  options.partition_map = kMap;
  return options;
}

// What a job carries that the importer decides, one line per job.
std::vector<std::string> job_lines(const Imported& imported) {
  std::vector<std::string> lines;
  for (const auto& j : imported.workload.training)
    lines.push_back(j.id + " " + std::to_string(j.gpus) + " " + j.generations.front().model +
                    " submit " + std::to_string(j.submit_s) + " run " +
                    std::to_string(j.recorded_start_s) + "-" + std::to_string(j.recorded_end_s) +
                    " walltime " + std::to_string(j.walltime_s) + " " + j.user + "/" + j.account +
                    " work " + std::to_string(j.work_flops));
  return lines;
}

const TrainingJob* job(const Imported& imported, const std::string& id) {
  for (const auto& j : imported.workload.training)
    if (j.id == id) return &j;
  return nullptr;
}

TEST(SlurmImport, ColumnsInAnotherOrderAndJsonGiveTheSameJobs) {
  const auto text = import_trace("slurm", {kData + "jobs.txt"}, with_map());
  const auto reordered = import_trace("slurm", {kData + "jobs-reordered.txt"}, with_map());
  const auto json = import_trace("slurm", {kData + "jobs.json"}, with_map());
  ASSERT_EQ(text.workload.training.size(), 15u);
  EXPECT_EQ(job_lines(text), job_lines(reordered));
  EXPECT_EQ(job_lines(text), job_lines(json));
  EXPECT_EQ(text.report.kept, json.report.kept);
  EXPECT_EQ(text.workload.horizon_s, 7200);  // 08:00:00 to the RUNNING job's 10:00:00
}

TEST(SlurmImport, StatesMapToWhatHappened) {
  const auto in = import_trace("slurm", {kData + "jobs.txt"}, with_map());
  // Kept: every job that ran, with its recorded run; the first submit is t = 0.
  for (const char* id :
       {"1", "2", "3", "4", "6", "7", "8", "10", "11_1", "11_2", "20+0", "20+1", "23", "24", "25"})
    EXPECT_NE(job(in, id), nullptr) << id;
  // Dropped: cancelled while pending (5), pending (9, the array's pending tasks), CPU (22).
  for (const char* id : {"5", "9", "11_[3-4]", "22", "1.batch"})
    EXPECT_EQ(job(in, id), nullptr) << id;
  EXPECT_EQ(in.report.dropped.at("CANCELLED before it started (no Start or no AllocTRES)"), 1);
  EXPECT_EQ(in.report.dropped.at("PENDING before it started (no Start or no AllocTRES)"), 2);
  EXPECT_EQ(in.report.dropped.at("CPU job (no gres/gpu in AllocTRES or ReqTRES)"), 1);
  EXPECT_EQ(in.report.dropped.at("job step rows (123.batch, 123.0): their job's own row is used"),
            15);
  EXPECT_EQ(in.report.rows, 34);
  // COMPLETED: 1, 11_1, 11_2, 20+0, 20+1, 23, 24, 25.
  EXPECT_EQ(in.report.kept.at("training jobs: COMPLETED"), 8);
  for (const char* state : {"FAILED", "OUT_OF_MEMORY", "TIMEOUT", "CANCELLED", "NODE_FAIL",
                            "PREEMPTED", "RUNNING when sacct ran (run cut at Start + Elapsed)"})
    EXPECT_EQ(in.report.kept.at(std::string("training jobs: ") + state), 1) << state;
  const auto* timeout = job(in, "4");  // ran past its 1-hour limit to 09:04:30
  EXPECT_EQ(timeout->walltime_s, 3600);
  EXPECT_EQ(timeout->recorded_start_s, 180);
  EXPECT_EQ(timeout->recorded_end_s, 3870);
  const auto* cancelled = job(in, "6");  // cancelled after 15 minutes of running
  EXPECT_EQ(cancelled->recorded_end_s - cancelled->recorded_start_s, 900);
  const auto* running = job(in, "10");  // started 09:45, Elapsed 00:15:00 when sacct ran
  EXPECT_EQ(running->recorded_start_s, 6300);
  EXPECT_EQ(running->recorded_end_s, 7200);
  // Work: the recorded run at MFU 0.4 of the model's peak, as the SWF importer sizes it.
  const auto* first = job(in, "1");
  EXPECT_DOUBLE_EQ(first->work_flops, 0.4 * 989e12 * 4 * 3600);
  EXPECT_EQ(first->generations.front().mfu, 0.4);
  EXPECT_EQ(first->user, "alice");
  EXPECT_EQ(first->account, "llm");
  // Timelimits: 02:00:00, 1-00:00:00, 30:00 (MM:SS), 4-00:00:00, UNLIMITED (none).
  EXPECT_EQ(first->walltime_s, 7200);
  EXPECT_EQ(job(in, "2")->walltime_s, 86400);
  EXPECT_EQ(job(in, "3")->walltime_s, 1800);
  EXPECT_EQ(job(in, "7")->walltime_s, 345600);
  EXPECT_EQ(job(in, "8")->walltime_s, 0);
  // Eligible is the submission a policy sees; hetjob components start together.
  EXPECT_EQ(job(in, "20+0")->recorded_start_s, job(in, "20+1")->recorded_start_s);
}

TEST(SlurmImport, GresTypesPickModelsAndThePartitionMapTheRest) {
  const auto in = import_trace("slurm", {kData + "jobs.txt"}, with_map());
  EXPECT_EQ(job(in, "1")->generations.front().model, "H100");
  EXPECT_EQ(job(in, "2")->generations.front().model, "H200");
  EXPECT_EQ(job(in, "24")->generations.front().model, "A100-80");  // gres type a100
  EXPECT_EQ(job(in, "23")->generations.front().model, "H100");     // gres/gpu=2, map: gpu -> H100
  EXPECT_EQ(model_of_gres_type("GB200"), "GB200");
  EXPECT_EQ(model_of_gres_type("a100_40g"), "A100-40");
  EXPECT_EQ(model_of_gres_type("tesla"), std::nullopt);
  // Pools the recorded runs need at least, per (model, role); partition infer -> inference.
  // H100 training: 26 GPUs at once from 720 s to 1080 s, rounded up to whole domains of 8.
  std::map<std::string, int> pools;
  for (const auto& p : in.pools) pools[p.model + " " + p.role] = p.gpus;
  const std::map<std::string, int> expected = {
      {"A100-80 training", 8}, {"H100 inference", 8}, {"H100 training", 32}, {"H200 training", 24}};
  EXPECT_EQ(pools, expected);
  // Without the map, the untyped job names its line, its partition and the fix.
  TempDir dir;
  const auto bare = run_cli({"import", "slurm", kData + "jobs.txt", "-o", dir.path("w.json")});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("jobs.txt: line 31: no GPU type: job 23 (partition 'gpu')"),
            std::string::npos)
      << bare.err;
  EXPECT_NE(bare.err.find("--partition-map"), std::string::npos);
  // An unknown gres type names the row and both ways out.
  const auto unknown =
      dir.write("u.txt",
                "JobID|State|Submit|Start|End|Partition|AllocTRES\n"
                "7|COMPLETED|2026-12-01T08:00:00|2026-12-01T08:00:00|2026-12-01T09:"
                "00:00|p|gres/gpu:tesla=2\n");
  const auto bad = run_cli({"import", "slurm", unknown, "-o", dir.path("w.json")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("u.txt: line 2: unknown GPU model: job 7: gres type 'tesla'"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("--catalog"), std::string::npos);
}

TEST(SlurmImport, TimesAndLimitsParseAsSacctPrintsThem) {
  EXPECT_EQ(sacct_duration_s("1-02:03:04", "t"), 93784);
  EXPECT_EQ(sacct_duration_s("02:03:04", "t"), 7384);
  EXPECT_EQ(sacct_duration_s("30:00", "t"), 1800);
  EXPECT_EQ(sacct_duration_s("UNLIMITED", "t"), 0);
  EXPECT_EQ(sacct_duration_s("Partition_Limit", "t"), 0);
  for (const char* bad : {"1-02:03", "xx", "01:60:00", "-1:00", "1-24:00:00", "5"})
    EXPECT_THROW(sacct_duration_s(bad, "t"), RowError) << bad;
  EXPECT_EQ(sacct_time_s("1970-01-02T00:00:01", "t"), 86401);
  EXPECT_EQ(sacct_time_s("Unknown", "t"), -1);
  for (const char* bad : {"2026-13-01T00:00:00", "2026-12-01 08:00:00", "1764576000", "nan"})
    EXPECT_THROW(sacct_time_s(bad, "t"), RowError) << bad;
  EXPECT_EQ(gpus_of_tres("billing=1,cpu=1,gres/gpu:h100=2,gres/gpu=2,node=1", "f").count, 2);
  EXPECT_EQ(gpus_of_tres("billing=1,cpu=1,gres/gpu:h100=2,gres/gpu=2,node=1", "f").type, "h100");
  EXPECT_EQ(gpus_of_tres("cpu=1,gres/gpu=3", "f").type, "");
  EXPECT_EQ(gpus_of_tres("cpu=1,mem=4G", "f").count, 0);
}

// One bad field per file: exit 2, one line naming the file, the line and the field.
TEST(SlurmImport, BadInputNamesTheFileLineAndField) {
  TempDir dir;
  const std::string header = "JobID|State|Submit|Start|End|Timelimit|AllocTRES\n";
  const std::string ok = "|2026-12-01T08:00:00|2026-12-01T08:00:00|2026-12-01T09:00:00|01:00:00|";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1|COMPLETED" + ok + "gres/gpu:h100=2\n", "line 1: the header has no column JobID"},
      {"JobID,State,Submit\n1,COMPLETED,x\n", "line 1: no '|' in the first line"},
      {"JobID|State\n1|COMPLETED\n", "the header has no column Submit, Start, End, AllocTRES"},
      {header + "1|COMPLETED" + ok + "gres/gpu:h100=nan\n",
       "line 2: bad number: field 'AllocTRES' has GPU count 'nan'"},
      {header + "1|COMPLETED" + ok + "gres/gpu:h100=-8\n", "line 2: bad number"},
      {header + "1|COMPLETED" + ok + "gres/gpu:h100=99999999999\n", "line 2: bad number"},
      {header + "1|COMPLETED|2026-12-01T08:00:00|yesterday|2026-12-01T09:00:00|01:00:00|"
                "gres/gpu:h100=1\n",
       "line 2: bad time: field 'Start' is 'yesterday'"},
      {header + "1|COMPLETED|2026-12-01T08:00:00|2026-12-01T09:00:00|2026-12-01T08:30:00|01:00:"
                "00|gres/gpu:h100=1\n",
       "line 2: timestamps out of order"},
      {header + "1|COMPLETED" + ok.substr(0, ok.size() - 10) + "|1:2:3:4|gres/gpu:h100=1\n",
       "line 2: bad time limit: field 'Timelimit'"},
      {header + "1|DONE" + ok + "gres/gpu:h100=1\n", "line 2: unknown state"},
      {header + "1|COMPLETED" + ok + "gres/gpu:h100=1\n1|COMPLETED" + ok + "gres/gpu:h100=1\n",
       "line 3: duplicate job"},
      {header + "1|COMPLETED" + ok + "gres/gpu:h100=1|extra\n", "line 2: truncated row"},
      // Found by the fuzzer: a job without an id made a workload that `run` refused.
      {header + "|COMPLETED" + ok + "gres/gpu:h100=1\n", "line 2: missing field: JobID is empty"},
      {"JobID|User|State|Submit|Start|End|AllocTRES\n1|caf\xe9|COMPLETED|2026-12-01T08:00:00|"
       "2026-12-01T08:00:00|2026-12-01T09:00:00|gres/gpu:h100=1\n",
       "line 2: not UTF-8: User"},
      {"{\"jobs\": [{\"job_id\": 1}]}", "jobs[0]: missing field"},
      {"{\"jobs\": 3", "invalid JSON"}};
  int n = 0;
  for (const auto& [text, error] : cases) {
    const auto file = dir.write("bad" + std::to_string(n++) + ".txt", text);
    const auto r = run_cli({"import", "slurm", file, "-o", dir.path("w.json")});
    EXPECT_EQ(r.exit_code, 2) << text;
    EXPECT_NE(r.err.find(file + ": " + error.substr(0, error.find(':') + 1)), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(error), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path("w.json")));
  }
  // --lenient skips such rows and counts them.
  const auto mixed = dir.write(
      "mixed.txt", header + "1|COMPLETED" + ok + "gres/gpu:h100=nan\n2|COMPLETED" + ok +
                       "gres/gpu:h100=8\n3|COMPLETED|x" + ok.substr(20) + "gres/gpu:h100=8\n");
  const auto lenient = run_cli({"import", "slurm", mixed, "-o", dir.path("w.json"), "--lenient"});
  ASSERT_EQ(lenient.exit_code, 0) << lenient.err;
  EXPECT_NE(lenient.err.find("dropped 1 rows: malformed row: bad number"), std::string::npos)
      << lenient.err;
  EXPECT_NE(lenient.err.find("dropped 1 rows: malformed row: bad time"), std::string::npos);
  EXPECT_NE(lenient.err.find("made 1 training jobs: COMPLETED"), std::string::npos);
}

TEST(SlurmPlatform, ScontrolAndSinfoGiveTheSamePools) {
  std::vector<std::string> warnings;
  const auto map = read_partition_map(kMap);
  const auto pools = slurm_node_pools(kData + "nodes.txt", map, warnings);
  std::map<std::string, int> got;
  for (const auto& p : pools) got[p.model + " " + p.role] = p.gpus;
  // gpu01, gpu02 (h100, also partition gpu) 16 training; gpu04 (partition infer) 8 inference;
  // gpu03 h200 (drained: still in the inventory); amp01-03: 12 a100 -> 8 (whole domains of 8);
  // cpu01 no GPUs.
  const std::map<std::string, int> expected = {
      {"A100-80 training", 8}, {"H100 inference", 8}, {"H100 training", 16}, {"H200 training", 8}};
  EXPECT_EQ(got, expected);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("12 GPUs on 3 nodes rounded down to 8"), std::string::npos);
  std::vector<std::string> sinfo_warnings;
  const auto from_sinfo = slurm_node_pools(kData + "sinfo.txt", map, sinfo_warnings);
  EXPECT_EQ(platform_xml(from_sinfo), platform_xml(pools));
  // Without the map: every pool training (Slurm nodes run batch jobs).
  TempDir dir;
  const auto r =
      run_cli({"platform", "--from-slurm", kData + "nodes.txt", "-o", dir.path("p.xml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("H100 pool of 24 GPUs (training)"), std::string::npos) << r.err;
  // Fewer GPUs than one domain, and a type the catalog does not know: errors naming the node.
  const auto small = dir.write("small.txt", "n1 gpu:h100:4 p\n");
  const auto s = run_cli({"platform", "--from-slurm", small});
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_NE(s.err.find("small.txt: node n1: 4 H100 GPUs, fewer than one HGX H100 NVLink domain"),
            std::string::npos)
      << s.err;
  const auto odd = dir.write("odd.txt", "NodeName=n7 Gres=gpu:tesla:8 Partitions=p\n");
  const auto o = run_cli({"platform", "--from-slurm", odd});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("odd.txt: node n7: gres type 'tesla'"), std::string::npos) << o.err;
  const auto nan = dir.write("nan.txt", "NodeName=n7 Gres=gpu:h100:nan Partitions=p\n");
  const auto n = run_cli({"platform", "--from-slurm", nan});
  EXPECT_EQ(n.exit_code, 2);
  EXPECT_NE(n.err.find("nan.txt: line 1: Gres 'gpu:h100:nan'"), std::string::npos) << n.err;
}

// The README's three commands on the fixtures: inventory, history, replay with a report.
TEST(SlurmImport, ThreeCommandsFromSacctAndScontrolToAReport) {
  TempDir dir;
  const auto p = run_cli({"platform", "--from-slurm", kData + "nodes.txt", "--partition-map", kMap,
                          "-o", dir.path("p.xml")});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const auto w = run_cli(
      {"import", "slurm", kData + "jobs.txt", "--partition-map", kMap, "-o", dir.path("w.json")});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const auto r = run_cli({"run", "--workload", dir.path("w.json"), "--platform", dir.path("p.xml"),
                          "--policy", "replay", "--report", "--out", dir.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path("out/report.html")));
  EXPECT_EQ(read_csv(dir.path("out/jobs.csv")).size(), 15u);
}

// A real Slurm with accounting (scripts/slurm-local.sh start DIR --accounting), stopped by PID
// in reverse order when the test ends, also on failure. One local Slurm at a time on a machine:
// the same lock as StudyOnSlurm's (tests/study_test.cpp).
class AccountingSlurm {
 public:
  explicit AccountingSlurm(const TempDir& dir)
      : lock_(::open("/tmp/gpufleet-local-slurm.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0644)),
        dir_(dir.path("slurm")),
        log_(dir.path("slurm.log")) {
    if (lock_ >= 0) ::flock(lock_, LOCK_EX);
    status_ =
        run_shell("scripts/slurm-local.sh start '" + dir_ + "' --accounting > '" + log_ + "' 2>&1");
  }
  ~AccountingSlurm() {
    run_shell("scripts/slurm-local.sh stop '" + dir_ + "' >> '" + log_ + "' 2>&1");
    if (lock_ >= 0) ::close(lock_);
  }
  AccountingSlurm(const AccountingSlurm&) = delete;
  AccountingSlurm& operator=(const AccountingSlurm&) = delete;
  int status() const { return status_; }
  std::string log() const { return read_file(log_); }
  // A shell command line run with this cluster's SLURM_CONF; its standard output.
  std::string run(const std::string& command, const TempDir& dir) const {
    const std::string out = dir.path("cmd.out");
    run_shell("SLURM_CONF='" + dir_ + "/slurm.conf' " + command + " > '" + out + "' 2>&1");
    return read_file(out);
  }

 private:
  int lock_;
  std::string dir_, log_;
  int status_ = -1;
};

// sbatch --parsable prints "ID" (or "ID;cluster").
std::string job_id(const std::string& sbatch_output) {
  return sbatch_output.substr(0, sbatch_output.find_first_not_of("0123456789"));
}

TEST(SlurmAccounting, ImportsWhatARealSlurmRan) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (the daemons run as root, MariaDB as mysql)";
  TempDir dir;
  const AccountingSlurm slurm(dir);
  if (slurm.status() == 3) GTEST_SKIP() << "no Slurm accounting here: " << slurm.log();
  ASSERT_EQ(slurm.status(), 0) << slurm.log();
  const std::string sbatch = "sbatch --parsable --chdir=/tmp -o /dev/null ";
  const auto submit = [&](const std::string& args) {
    return job_id(slurm.run(sbatch + args, dir));
  };
  // Sizes, partitions (h100, h200: one node holds both types) and outcomes; the TIMEOUT job
  // takes ~90 s (its 1-minute limit, then KillWait), the others run meanwhile.
  const auto timeout = submit("-p h200 -A llm --gres=gpu:h200:4 --time=1 --wrap 'sleep 300'");
  const auto completed = submit("-p h100 -A llm --gres=gpu:h100:4 --time=10 --wrap 'sleep 3'");
  const auto failed = submit("-p h200 -A llm --gres=gpu:h200:2 --time=5 --wrap 'sleep 2; exit 3'");
  const auto array = submit(
      "-p h100 -A llm --array=1-3 --gres=gpu:h100:1 --time=2:00 --wrap "
      "'sleep 2'");
  // Needs all 8 h200 GPUs, 4 of which the TIMEOUT job holds: cancelled before it starts.
  const auto never = submit("-p h200 -A llm --gres=gpu:h200:8 --time=10 --wrap 'sleep 1'");
  const auto other_user = job_id(
      slurm.run("runuser -u nobody -- " + sbatch +
                    "-p h100 -A research --gres=gpu:h100:2 --time=1-00:00:00 --wrap 'sleep 2'",
                dir));
  const auto cancelled = submit("-p h100 -A llm --gres=gpu:h100:1 --time=10 --wrap 'sleep 300'");
  const auto cpu = submit("-p h100 -A llm --time=1 --wrap 'sleep 1'");
  for (const auto* id :
       {&timeout, &completed, &failed, &array, &never, &other_user, &cancelled, &cpu})
    ASSERT_FALSE(id->empty()) << slurm.log() << slurm.run("squeue", dir);
  // Cancel one while it pends and one once it runs.
  const auto state_of = [&](const std::string& id) {
    auto s = slurm.run("squeue -h -o %T -j " + id, dir);
    return s.substr(0, s.find('\n'));
  };
  // The pending 8-GPU job holds the node for itself (the top of the queue): cancel it first.
  ASSERT_EQ(state_of(never), "PENDING") << slurm.run("squeue", dir);
  slurm.run("scancel " + never, dir);
  for (int i = 0; i < 300 && state_of(cancelled) != "RUNNING"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(state_of(cancelled), "RUNNING") << slurm.run("squeue", dir);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  slurm.run("scancel " + cancelled, dir);
  // Everything ends within ~100 s; accounting records the ends a moment later.
  const std::string format =
      "JobID,JobIDRaw,JobName,User,Account,Partition,QOS,State,ExitCode,Submit,Eligible,Start,End,"
      "Elapsed,Timelimit,NNodes,NCPUS,ReqTRES,AllocTRES";
  std::string text;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (!slurm.run("squeue -h", dir).empty()) continue;
    text = slurm.run("sacct -a -P -S now-1hours --format=" + format, dir);
    if (text.find("|RUNNING|") == std::string::npos && text.find("|PENDING|") == std::string::npos)
      break;
  }
  const auto jobs_txt = dir.write("jobs.txt", text);
  const auto jobs_json = dir.write("jobs.json", slurm.run("sacct -a -S now-1hours --json", dir));
  const auto nodes_txt = dir.write("nodes.txt", slurm.run("scontrol show node -o", dir));
  ASSERT_NE(text.find("|TIMEOUT|"), std::string::npos) << text << slurm.log();

  const auto in = import_trace("slurm", {jobs_txt}, ImportOptions{});
  const auto from_json = import_trace("slurm", {jobs_json}, ImportOptions{});
  EXPECT_EQ(job_lines(in), job_lines(from_json)) << text;
  const auto expect = [&](const std::string& id, int gpus, const std::string& model,
                          double walltime, const std::string& user, const std::string& account) {
    const auto* j = job(in, id);
    ASSERT_NE(j, nullptr) << id << "\n" << text;
    EXPECT_EQ(j->gpus, gpus) << id;
    EXPECT_EQ(j->generations.front().model, model) << id;
    EXPECT_EQ(j->walltime_s, walltime) << id;
    EXPECT_EQ(j->user, user) << id;
    EXPECT_EQ(j->account, account) << id;
    EXPECT_GE(j->recorded_start_s, j->submit_s) << id;
    EXPECT_GT(j->recorded_end_s, j->recorded_start_s) << id;
  };
  expect(completed, 4, "H100", 600, "root", "llm");
  expect(failed, 2, "H200", 300, "root", "llm");
  for (const char* task : {"_1", "_2", "_3"}) expect(array + task, 1, "H100", 120, "root", "llm");
  expect(timeout, 4, "H200", 60, "root", "llm");
  expect(other_user, 2, "H100", 86400, "nobody", "research");
  expect(cancelled, 1, "H100", 600, "root", "llm");
  EXPECT_EQ(job(in, never), nullptr);
  EXPECT_EQ(job(in, cpu), nullptr);
  EXPECT_EQ(in.workload.training.size(), 8u) << text;
  // How each ended: the TIMEOUT job ran past its limit (Slurm's KillWait), the cancelled one
  // ran until scancel, the 3-second one for about 3 s.
  EXPECT_GE(job(in, timeout)->recorded_end_s - job(in, timeout)->recorded_start_s, 60);
  const auto* c = job(in, cancelled);
  EXPECT_LT(c->recorded_end_s - c->recorded_start_s, 60);
  const auto* done = job(in, completed);
  EXPECT_NEAR(done->recorded_end_s - done->recorded_start_s, 3, 1);
  const std::map<std::string, long> kept = {{"training jobs: CANCELLED", 1},
                                            {"training jobs: COMPLETED", 5},
                                            {"training jobs: FAILED", 1},
                                            {"training jobs: TIMEOUT", 1}};
  EXPECT_EQ(in.report.kept, kept) << text;
  EXPECT_EQ(in.report.dropped.at("CANCELLED before it started (no Start or no AllocTRES)"), 1);
  EXPECT_EQ(in.report.dropped.at("CPU job (no gres/gpu in AllocTRES or ReqTRES)"), 1);
  // The README's three commands on what this Slurm printed.
  const auto p = run_cli({"platform", "--from-slurm", nodes_txt, "-o", dir.path("p.xml")});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.err.find("H100 pool of 8 GPUs (training)"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("H200 pool of 8 GPUs (training)"), std::string::npos) << p.err;
  const auto w = run_cli({"import", "slurm", jobs_txt, "-o", dir.path("w.json")});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const auto r = run_cli({"run", "--workload", dir.path("w.json"), "--platform", dir.path("p.xml"),
                          "--policy", "replay", "--report", "--out", dir.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_csv(dir.path("out/jobs.csv")).size(), 8u);
}

}  // namespace
}  // namespace gpufleet::test
