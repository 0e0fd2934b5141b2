// Regressions for what fuzzing found (issue 15, docs/fuzzing.md): each bad input must end in
// an InputError or std::invalid_argument with one line naming the file (line or field) and
// the fix, never a crash, a hang, runaway memory, or an import that writes a workload `run`
// rejects. The inputs are the fuzzers' findings, reduced by hand.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>

#include "formats/atomic_files.hpp"
#include "formats/platform_check.hpp"
#include "formats/workload_io.hpp"
#include "import/importers.hpp"
#include "metrics/binned_series.hpp"
#include "model/duration.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"
#include "scenario/demand_shape.hpp"
#include "scenario/scenario.hpp"
#include "scheduler/policy.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// The message of the user-facing error `f` throws; fails the test on anything else.
std::string user_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::invalid_argument& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a user-facing error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "accepted";
  return {};
}

void expect_one_line_naming(const std::string& message, const std::vector<std::string>& parts) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  for (const auto& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

std::string without_last_newline(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

Imported import_text(const TempDir& dir, const std::string& format,
                     const std::vector<std::string>& files, ImportOptions options = {}) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < files.size(); ++i)
    paths.push_back(dir.write("in-" + std::to_string(i) + ".csv", files[i]));
  return import_trace(format, paths, options);
}

// What `import` writes must be what `run` reads.
void expect_round_trip(const TempDir& dir, const Imported& imported) {
  const auto file = dir.write("imported.json", workload_to_text(imported.workload));
  EXPECT_NO_THROW(load_workload(file));
}

TEST(FuzzFindings, DurationBeyondTenYearsAfterItsUnit) {
  expect_one_line_naming(user_error([] { parse_duration_s("1e308d"); }), {"1e308d", "ten years"});
  EXPECT_NO_THROW(parse_duration_s("3660d"));
  expect_one_line_naming(user_error([] { parse_duration_s("3661d"); }), {"3661d"});
}

TEST(FuzzFindings, DurationWithAControlCharacterIsQuotedOnOneLine) {
  expect_one_line_naming(user_error([] { parse_duration_s("\x01\n"); }),
                         {"\\x01\\x0a", "not a duration"});
}

TEST(FuzzFindings, PrintableEscapesControlsAndBadUtf8AndCuts) {
  EXPECT_EQ(printable("a\tb\xff"), "a\\x09b\\xff");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(valid_utf8("\xc3\x28"));
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));  // a UTF-16 surrogate
}

TEST(FuzzFindings, AnUnknownKeyWithANewlineIsQuotedOnOneLine) {
  TempDir dir;
  json w = workload(3600, json::array());
  w["infer\nce"] = json::array();
  const auto file = dir.write("w.json", w.dump());
  expect_one_line_naming(user_error([&] { load_workload(file); }),
                         {"w.json", "infer\\x0ace", "unknown field"});
}

json one_service(double interval_s) {
  json s = h100_service({100, 200});
  s["demand"]["interval_s"] = interval_s;
  return workload(7200, json::array(), {s});
}

TEST(FuzzFindings, DemandStepsShorterThanASecondAreRefused) {
  TempDir dir;
  const auto file = dir.write("w.json", one_service(1e-300).dump());
  expect_one_line_naming(user_error([&] { load_workload(file); }),
                         {"w.json", "inference[0].demand.interval_s", "1 s"});
  EXPECT_NO_THROW(load_workload(dir.write("ok.json", one_service(1).dump())));
}

TEST(FuzzFindings, WorkloadTimesBeyondTenYearsAreRefused) {
  TempDir dir;
  json w = workload(7200, {training_job("a", 0, 72, 1e19)});
  w["horizon_s"] = 1e300;
  expect_one_line_naming(user_error([&] { load_workload(dir.write("h.json", w.dump())); }),
                         {"h.json", "horizon_s", "ten years"});
  w["horizon_s"] = 7200;
  w["training"][0]["submit_s"] = 1e300;
  expect_one_line_naming(user_error([&] { load_workload(dir.write("s.json", w.dump())); }),
                         {"training[0].submit_s"});
}

TEST(FuzzFindings, AnIntegerBeyondAnIntIsRefusedNotNarrowed) {
  TempDir dir;
  json w = workload(7200, {training_job("a", 0, 72, 1e19)});
  w["training"][0]["priority"] = 4294967297LL;  // narrowed, it was priority 1
  expect_one_line_naming(user_error([&] { load_workload(dir.write("p.json", w.dump())); }),
                         {"p.json", "training[0].priority"});
}

TEST(FuzzFindings, AServiceFasterThanItsGpusPeakIsRefused) {
  TempDir dir;
  json w = workload(7200, json::array(), {h100_service({100, 200})});
  w["inference"][0]["flops_per_unit"] = 1e15;  // 100 units/s x 1e15 > 8 H100s' peak
  const auto file = dir.write("w.json", w.dump());
  Workload workload = load_workload(file);
  Fleet fleet;
  Pool pool;
  pool.name = "h100";
  pool.gpu_model = "H100";
  pool.role = PoolRole::kInference;
  pool.gpus_per_domain = 8;
  pool.peak_flops_per_gpu = 989e12;
  pool.domain_count = 2;
  fleet.pools = {pool};
  fleet.domains = {{"h100-0", 0, 8, -1}, {"h100-1", 0, 8, -1}};
  expect_one_line_naming(user_error([&] { bind_workload(workload, fleet, file); }),
                         {"w.json", "inference[0].generations[0].throughput", "peak"});
  w["inference"][0]["flops_per_unit"] = 1e12;
  Workload fine = load_workload(dir.write("ok.json", w.dump()));
  EXPECT_NO_THROW(bind_workload(fine, fleet, file));
}

TEST(FuzzFindings, JsonNumberOverflowNamesTheFile) {
  TempDir dir;
  const auto file = dir.write("w.json", R"({"format": "gpufleet-workload", "version": 1e400})");
  expect_one_line_naming(user_error([&] { load_workload(file); }), {"w.json", "out of range"});
}

// Fields 3-18 of an SWF job: wait -1 (unknown), run 1,000 s on 8 processors.
const std::string kSwfRow = " -1 1000 8 -1 -1 8 -1 -1 1 1 1 -1 -1 -1 -1 -1";

TEST(FuzzFindings, SwfProcessorsBeyondAnIntAreRefused) {
  TempDir dir;
  const auto message = user_error([&] {
    import_text(dir, "swf", {"1 0 -1 1000 4294967296 -1 -1 8 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"});
  });
  expect_one_line_naming(message, {"in-0.csv", "line 1", "4294967296 processors"});
}

TEST(FuzzFindings, SwfRunTimeBeyondTenYearsIsRefused) {
  TempDir dir;
  expect_one_line_naming(user_error([&] {
                           import_text(dir, "swf",
                                       {"1 0 -1 1e300 8 -1 -1 8 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"});
                         }),
                         {"line 1", "run time"});
}

TEST(FuzzFindings, SwfDuplicateJobNumbersAreRefusedOrSkipped) {
  TempDir dir;
  const std::string log = "3 0" + kSwfRow + "\n3 5" + kSwfRow + "\n";
  expect_one_line_naming(user_error([&] { import_text(dir, "swf", {log}); }),
                         {"line 2", "job 3 appears twice"});
  ImportOptions lenient;
  lenient.lenient = true;
  const auto imported = import_text(dir, "swf", {log}, lenient);
  EXPECT_EQ(imported.workload.training.size(), 1u);
  expect_round_trip(dir, imported);
}

TEST(FuzzFindings, SwfRunTooShortForOneFlopIsDroppedNotWritten) {
  TempDir dir;
  const auto imported = import_text(
      dir, "swf", {"1 0 -1 1e-300 8 -1 -1 8 -1 -1 1 1 1 -1 -1 -1 -1 -1\n2 0" + kSwfRow + "\n"});
  EXPECT_EQ(imported.workload.training.size(), 1u);
  EXPECT_EQ(imported.report.dropped.at("run time too short for one FLOP (field 4)"), 1);
  expect_round_trip(dir, imported);
}

TEST(FuzzFindings, SwfHugeMaxProcsHeaderIsIgnored) {
  TempDir dir;
  const auto imported =
      import_text(dir, "swf", {"; MaxProcs: 99999999999999999999\n1 0" + kSwfRow + "\n"});
  ASSERT_EQ(imported.pools.size(), 1u);
  EXPECT_EQ(imported.pools[0].gpus, 8);
}

const std::string kNodeHeader = "sn,cpu_milli,memory_mib,gpu,model\n";
const std::string kPodHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";

TEST(FuzzFindings, AlibabaNodeGpusBeyondAnIntAreRefused) {
  TempDir dir;
  const auto message = user_error([&] {
    import_text(
        dir, "alibaba-gpu-2023",
        {kNodeHeader + "n0,1,1,4294967304,T4\n", kPodHeader + "p0,1,1,1,1000,,LS,R,0,10,0\n"});
  });
  expect_one_line_naming(message, {"in-0.csv", "line 2", "4294967304 GPUs"});
}

TEST(FuzzFindings, AlibabaEmptyOrNonUtf8PodNamesAreRefused) {
  TempDir dir;
  const std::string nodes = kNodeHeader + "n0,1,1,8,T4\n";
  expect_one_line_naming(
      user_error([&] {
        import_text(dir, "alibaba-gpu-2023", {nodes, kPodHeader + ",1,1,1,1000,,LS,R,0,10,0\n"});
      }),
      {"in-1.csv", "line 2", "pod name"});
  expect_one_line_naming(user_error([&] {
                           import_text(dir, "alibaba-gpu-2023",
                                       {nodes, kPodHeader + "p\xff,1,1,1,1000,,LS,R,0,10,0\n"});
                         }),
                         {"line 2", "p\\xff"});
}

TEST(FuzzFindings, AlibabaPodLargerThanEveryPoolOfItsModelsIsRefusedOrSkipped) {
  TempDir dir;
  const std::vector<std::string> files = {
      kNodeHeader + "n0,1,1,8,T4\n",
      kPodHeader + "p0,1,1,822,1000,T4,LS,R,0,10,0\n" + "p1,1,1,8,1000,T4,LS,R,0,10,0\n"};
  expect_one_line_naming(user_error([&] { import_text(dir, "alibaba-gpu-2023", files); }),
                         {"in-1.csv", "line 2", "822 GPUs", "(8)"});
  ImportOptions lenient;
  lenient.lenient = true;
  const auto imported = import_text(dir, "alibaba-gpu-2023", files, lenient);
  EXPECT_EQ(imported.workload.training.size(), 1u);
  expect_round_trip(dir, imported);
}

const std::string kAzureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\n";

TEST(FuzzFindings, AzureIntervalBelowASecondIsRefused) {
  TempDir dir;
  ImportOptions options;
  options.interval_s = 1e-9;
  expect_one_line_naming(user_error([&] {
                           import_text(dir, "azure-llm-2023",
                                       {kAzureHeader + "2023-11-16 18:17:03.9,10,1\n"}, options);
                         }),
                         {"--interval", "1s"});
}

TEST(FuzzFindings, AzureTimestampFarFromTheOthersIsRefusedOrSkipped) {
  TempDir dir;
  const std::string trace =
      kAzureHeader + "2023-11-16 18:17:03.9,10,1\n9999-11-16 18:17:03.9,10,1\n";
  expect_one_line_naming(user_error([&] { import_text(dir, "azure-llm-2023", {trace}); }),
                         {"in-0.csv", "line 3", "--interval"});
  ImportOptions lenient;
  lenient.lenient = true;
  const auto imported = import_text(dir, "azure-llm-2023", {trace}, lenient);
  EXPECT_EQ(imported.report.kept.at("requests"), 1);
}

TEST(FuzzFindings, AzureTimestampsBefore1970AreInOrder) {
  TempDir dir;
  const auto imported = import_text(
      dir, "azure-llm-2023",
      {kAzureHeader +
       "1969-12-31 23:59:00,10,1\n1969-12-31 23:59:30,10,1\n1970-01-01 00:00:30,5,5\n"});
  EXPECT_EQ(imported.report.kept.at("requests"), 3);
  EXPECT_EQ(imported.workload.inference.at(0).demand.values.size(), 2u);
}

TEST(FuzzFindings, AzureMonthOutOfRangeIsNotATime) {
  TempDir dir;
  expect_one_line_naming(user_error([&] {
                           import_text(dir, "azure-llm-2023",
                                       {kAzureHeader + "2023-13-16 18:17:03.9,10,1\n"});
                         }),
                         {"line 2", "is not a time"});
}

TEST(FuzzFindings, ServegenWindowsFarApartAreRefused) {
  TempDir dir;
  std::filesystem::create_directories(dir.path("m-far"));
  dir.write("m-far/chunk-0-trace.csv", "0,1,1,,0,0\n1,1,1,,0,0\n300000000,1,1,,0,0\n");
  const auto message =
      user_error([&] { import_trace("servegen", {dir.path("m-far")}, ImportOptions{}); });
  expect_one_line_naming(message, {"m-far", "window_start_s", "more than 1000000"});
  dir.write("m-far/chunk-0-trace.csv", "0,1,1,,0,0\n600,1,1,,0,0\n1e300,1,1,,0,0\n");
  expect_one_line_naming(
      user_error([&] { import_trace("servegen", {dir.path("m-far")}, ImportOptions{}); }),
      {"chunk-0-trace.csv", "line 3", "window_start_s"});
}

TEST(FuzzFindings, DemandShapeValuesThatOverflowTheirSumAreRefused) {
  TempDir dir;
  const json shape = {
      {"source", "x"}, {"hourly_log_sigma", 0.1}, {"by_hour", std::vector<double>(168, 1e308)}};
  const auto file = dir.write("shape.json", shape.dump());
  expect_one_line_naming(user_error([&] { load_demand_shape(file); }),
                         {"shape.json", "by_hour[0]"});
}

TEST(FuzzFindings, AnOutputPathThatIsAFileIsAnInputError) {
  TempDir dir;
  dir.write("taken", "a file");
  expect_one_line_naming(user_error([&] { write_file_atomically(dir.path("taken/w.json"), "{}"); }),
                         {"taken", "cannot create the output folder"});
}

TEST(FuzzFindings, AFolderOfAnOutputsNameLeavesEveryFileOldAndNoTemporaries) {
  TempDir dir;
  dir.write("out/a.csv", "old a");
  std::filesystem::create_directories(dir.path("out/b.csv"));
  {
    AtomicFiles files(dir.path("out"));
    files.add("a.csv", "new a");
    files.add("b.csv", "new b");
    expect_one_line_naming(user_error([&] { files.commit(); }), {"b.csv", "folder"});
  }
  EXPECT_EQ(read_file(dir.path("out/a.csv")), "old a");
  for (const auto& entry : std::filesystem::directory_iterator(dir.path("out")))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST(FuzzFindings, APlatformGpusPropertyBeyondAnIntIsAnInputError) {
  TempDir dir;
  std::string xml = platform_xml({pool("H100", 16)});
  const std::string gpus = "<prop id=\"gpus\" value=\"8\"/>";
  ASSERT_NE(xml.find(gpus), std::string::npos);
  xml.replace(xml.find(gpus), gpus.size(), "<prop id=\"gpus\" value=\"1e300\"/>");
  const auto w = workload(7200, json::array(), {h100_service({100})});
  const auto r = run_cli({"run", "--platform", dir.write("p.xml", xml), "--workload",
                          dir.write("w.json", w.dump()), "--out", dir.path("out"), "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  expect_one_line_naming(r.err.substr(0, r.err.size() - 1), {"p.xml", "property 'gpus'", "1e300"});
}

// The seed scenario, its shape found by absolute path, changed by `edit`, loaded.
std::string load_edited_seed(const std::function<void(json&)>& edit) {
  TempDir dir;
  json seed = json::parse(read_file(GPUFLEET_SOURCE_DIR "/workloads/scenarios/seed.json"));
  seed["inference"]["shape"] = GPUFLEET_SOURCE_DIR "/workloads/shapes/servegen-m-small.json";
  edit(seed);
  const auto file = dir.write("s.json", seed.dump());
  return user_error([&] { load_scenario(file); });
}

TEST(FuzzFindings, AScenarioPoolNameThatWouldBreakThePlatformXmlIsRefused) {
  expect_one_line_naming(load_edited_seed([](json& s) { s["fleet"][0]["name"] = "a\"<b"; }),
                         {"s.json", "fleet[0].name", "plain name"});
}

TEST(FuzzFindings, AScenarioFleetBeyondTenMillionGpusIsRefused) {
  expect_one_line_naming(load_edited_seed([](json& s) {
                           s["fleet"][0]["gpus"] = 720000000;
                           s["fleet"][1]["gpus"] = 720000000;
                         }),
                         {"s.json", "gpus", "10000000"});
}

TEST(FuzzFindings, CliHorizonBeyondTenYearsExitsTwoWithOneLine) {
  const auto r = run_cli({"run", "--horizon", "1e308d", "--quiet", "--out", "/nonexistent/x"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ten years"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
}

// A two-host H100 platform as `gpufleet platform` writes it, with `from` replaced by `to`.
std::string edited_platform(const std::string& from, const std::string& to) {
  std::string xml = platform_xml({pool("H100", 16)});
  const auto at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in the generated platform";
  if (at != std::string::npos) xml.replace(at, from.size(), to);
  return xml;
}

// `run` on that platform: exit 2 and one line naming the file and each of `parts`, no abort.
void expect_platform_refused(const std::string& from, const std::string& to,
                             const std::vector<std::string>& parts) {
  TempDir dir;
  const auto w = workload(7200, json::array(), {h100_service({100})});
  const auto r =
      run_cli({"run", "--platform", dir.write("p.xml", edited_platform(from, to)), "--workload",
               dir.write("w.json", w.dump()), "--out", dir.path("out"), "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << to << ": " << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  std::vector<std::string> named = {"p.xml"};
  named.insert(named.end(), parts.begin(), parts.end());
  expect_one_line_naming(r.err.substr(0, r.err.size() - 1), named);
  EXPECT_FALSE(std::filesystem::exists(dir.path("out"))) << "outputs written";
}

std::vector<std::string> outputs_of(const TempDir& dir);

// Two H100 servers written as <host> elements (a <cluster> has no pstate), one link between
// them; `extra` goes into each host's start tag.
std::string host_platform(const std::string& extra) {
  std::string hosts;
  for (const char* id : {"h100-0", "h100-1"})
    hosts += std::string("    <host id=\"") + id + "\" speed=\"9.89e14f\" core=\"8\" " + extra +
             ">\n"
             "      <prop id=\"pool\" value=\"h100\"/><prop id=\"gpu_model\" value=\"H100\"/>"
             "<prop id=\"role\" value=\"training\"/><prop id=\"gpus\" value=\"8\"/>"
             "<prop id=\"bf16_flops\" value=\"9.89e+14\"/><prop id=\"hbm_gb\" value=\"80\"/>"
             "<prop id=\"tdp_w\" value=\"700\"/><prop id=\"idle_w\" value=\"100\"/>"
             "<prop id=\"price_per_gpu_hour\" value=\"2.5\"/>"
             "<prop id=\"capex_per_gpu\" value=\"50000\"/>"
             "<prop id=\"wattage_per_state\" value=\"800:800:5600\"/>"
             "<prop id=\"wattage_off\" value=\"0\"/>\n"
             "    </host>\n";
  return "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
         "<platform version=\"4.1\">\n  <zone id=\"fleet\" "
         "routing=\"Full\">\n" +
         hosts +
         "    <link id=\"l0\" bandwidth=\"400GBps\" latency=\"1us\"/>\n"
         "    <route src=\"h100-0\" dst=\"h100-1\"><link_ctn id=\"l0\"/></route>\n"
         "  </zone>\n</platform>\n";
}

// A job on both servers of host_platform, exchanging its gradient over the link.
json two_host_job() {
  json job = training_job("j", 0, 16, 1e19);
  job["generations"] = json::array({{{"model", "H100"}, {"mfu", 0.4}}});
  job["gradient_bytes"] = 1e9;
  job["steps"] = 100;
  return workload(7200, json::array({job}));
}

void expect_host_platform_refused(const std::string& extra, const std::vector<std::string>& parts) {
  TempDir dir;
  const auto r =
      run_cli({"run", "--platform", dir.write("p.xml", host_platform(extra)), "--workload",
               dir.write("w.json", two_host_job().dump()), "--out", dir.path("out"), "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << extra << ": " << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  std::vector<std::string> named = {"p.xml"};
  named.insert(named.end(), parts.begin(), parts.end());
  expect_one_line_naming(r.err.substr(0, r.err.size() - 1), named);
}

TEST(FuzzFindings, PlatformCoresBelowOneAreRefusedBeforeSimGridAborts) {
  expect_platform_refused("core=\"8\"", "core=\"0\"", {"id='h100'", "'core'", "at least 1"});
  expect_platform_refused("core=\"8\"", "core=\"-8\"", {"id='h100'", "'core'"});
}

// SimGrid reads core= (and a host's pstate=) as an int from its leading characters: "-5Bps"
// was -5 cores and "0x8" 0, and SimGrid aborted (rc 134); "8Bps" passed as 8. Plain digits only.
TEST(FuzzFindings, PlatformIntegersWithAUnitSuffixAreRefused) {
  for (const std::string core : {"-5Bps", "0x8", "8Bps", "8.0", "+8", " 8", "1e1", "", "8f"})
    expect_platform_refused("core=\"8\"", "core=\"" + core + "\"",
                            {"line ", "id='h100'", "attribute 'core'", "plain digits"});
  for (const std::string pstate : {"1", "-1", "1Bps", "0x0", "abc"})
    expect_host_platform_refused("pstate=\"" + pstate + "\"",
                                 {"line 5", "id='h100-0'", "attribute 'pstate'", "1 speed"});
  TempDir dir;
  const auto r =
      run_cli({"run", "--platform", dir.write("p.xml", host_platform("pstate=\"0\"")), "--workload",
               dir.write("w.json", two_host_job().dump()), "--out", dir.path("out"), "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Speeds, bandwidths and latencies: SimGrid takes strtod's number, then a unit it must know
// (else it throws); the check reads the same number. Each value either exits 2 on one line or
// runs to the end with finite outputs, never an abort.
TEST(FuzzFindings, PlatformNumbersWithAUnitSuffixAreReadAsSimGridReadsThem) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"speed=\"9.89e14f\"", {"-5Bps", "5Bps", "0x10f", "nanf", "-inff", "1e400f", "", " 1e14f"}},
      {"bandwidth=\"400GBps\"", {"-5Bps", "5f", "0x10Bps", "nanBps", "infBps", "0Bps", "-0Bps"}},
      {"latency=\"1us\"", {"-5us", "-5Bps", "5Bps", "nans", "infs", "0x1s", "1e400s"}},
      {"value=\"800:800:5600\"", {"800W:800:5600", "-1:1:1", "nan:1:1", "1:1:inf", "800"}},
  };
  for (const auto& [from, values] : cases)
    for (const auto& value : values) {
      TempDir dir;
      std::string xml = host_platform("");
      const std::string to = from.substr(0, from.find('"') + 1) + value + "\"";
      for (size_t at = xml.find(from); at != std::string::npos; at = xml.find(from, at))
        xml.replace(at, from.size(), to);
      const auto r = run_cli({"run", "--platform", dir.write("p.xml", xml), "--workload",
                              dir.write("w.json", two_host_job().dump()), "--out", dir.path("out"),
                              "--quiet"});
      EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << to << ": " << r.exit_code << r.err;
      if (r.exit_code == 2) {
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << to << ": " << r.err;
        EXPECT_NE(r.err.find("p.xml"), std::string::npos) << to << ": " << r.err;
      } else {
        for (const auto& text : outputs_of(dir)) EXPECT_FALSE(holds_nan_or_inf(text)) << to;
      }
    }
}

TEST(FuzzFindings, PlatformSpeedNotPositiveIsRefused) {
  expect_platform_refused("speed=\"9.89e+14f\"", "speed=\"0f\"", {"id='h100'", "'speed'"});
  expect_platform_refused("speed=\"9.89e+14f\"", "speed=\"-1e15f\"", {"'speed'", "positive"});
}

// 1e-300 flop/s per GPU made the value of a FLOP infinite (economics: inf). The bound is on
// the speed after its unit, as SimGrid scales it.
TEST(FuzzFindings, PlatformSpeedOutsideAGigaflopToAnExaflopPerGpuIsRefused) {
  for (const std::string speed : {"1e-300f", "1e19f", "1e-3Gf", "2Ef", "0.5gigaflops"})
    expect_platform_refused("speed=\"9.89e+14f\"", "speed=\"" + speed + "\"",
                            {"id='h100'", "'speed'", "1e9 to 1e18 flop/s"});
  TempDir dir;
  const auto w = workload(7200, json::array(), {h100_service({100})});
  const auto r =
      run_cli({"run", "--platform",
               dir.write("p.xml", edited_platform("speed=\"9.89e+14f\"", "speed=\"989Tf\"")),
               "--workload", dir.write("w.json", w.dump()), "--out", dir.path("out"), "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(FuzzFindings, PlatformRadicalThatDoesNotFillItsFatTreeIsRefused) {
  expect_platform_refused("radical=\"0-1\"", "radical=\"0-0\"",
                          {"id='h100'", "'radical'", "1 hosts", "fat tree of 2"});
  expect_platform_refused("radical=\"0-1\"", "radical=\"1-0\"", {"'radical'", "FIRST-LAST"});
  expect_platform_refused("radical=\"0-1\"", "radical=\"\"", {"'radical'"});
}

TEST(FuzzFindings, PlatformPowerRangeMissingOrMalformedIsRefused) {
  const std::string watts = "<prop id=\"wattage_per_state\" value=\"800:800:5600\"/>";
  expect_platform_refused(watts, "", {"id='h100'", "wattage_per_state", "missing"});
  expect_platform_refused(watts, "<prop id=\"wattage_per_state\" value=\"2800\"/>",
                          {"wattage_per_state", "Idle:Epsilon:AllCores"});
  expect_platform_refused(watts, "<prop id=\"wattage_per_state\" value=\"1:2:x\"/>",
                          {"wattage_per_state"});
  expect_platform_refused(watts, "<prop id=\"wattage_per_state\" value=\"1:2:3,4:5:6\"/>",
                          {"wattage_per_state", "2 power ranges for 1 speeds"});
  expect_platform_refused("<prop id=\"wattage_off\" value=\"0\"/>",
                          "<prop id=\"wattage_off\" value=\"off\"/>", {"wattage_off"});
}

TEST(FuzzFindings, PlatformConfigOfAnUnknownModelOrKeyIsOneLine) {
  const auto config = [](const std::string& key, const std::string& value) {
    return "<config><prop id=\"" + key + "\" value=\"" + value + "\"/></config>\n<zone ";
  };
  expect_platform_refused("<zone ", config("network/model", "CM03"),
                          {"network/model", "CM03", "did you mean 'CM02'"});
  expect_platform_refused("<zone ", config("host/model", "ptask_L07"), {"host/model"});  // SIGSEGV
  // SimGrid lists every config key on further lines: the error keeps the first.
  expect_platform_refused("<zone ", config("foo/bar", "1"), {"Bad config key: foo/bar"});
}

TEST(FuzzFindings, PlatformsGpufleetWritesOrShipsPassTheCheck) {
  EXPECT_NO_THROW(check_platform_xml(
      platform_xml({pool("GB200", 576), pool("H100", 1024), pool("H200", 64), pool("GB300", 72)}),
      "generated.xml"));
  for (const auto& entry : std::filesystem::directory_iterator(GPUFLEET_SOURCE_DIR "/platforms"))
    EXPECT_NO_THROW(check_platform_file(entry.path().string())) << entry.path();
}

TEST(FuzzFindings, PlatformCheckSkipsCommentsAndReadsBothQuotes) {
  const std::string xml =
      "<?xml version='1.0'?><!-- <host id='x' core='0'/> --><platform version='4.1'>"
      "<zone id='z' routing='Full'><host id='h' speed='1e15f' core='8'>"
      "<prop id='wattage_per_state' value='1:1:2'/></host></zone></platform>";
  EXPECT_NO_THROW(check_platform_xml(xml, "p.xml"));
  // A name without a value still lets '>' end its tag: the <prop> stays inside the host.
  std::string bare = xml;
  bare.insert(bare.find("core='8'") + 8, " bare");
  EXPECT_NO_THROW(check_platform_xml(bare, "p.xml"));
  expect_one_line_naming(
      user_error(
          [&] { check_platform_xml(xml.substr(0, xml.find("<prop")) + "</host>", "p.xml"); }),
      {"p.xml", "line 1", "<host id='h'>", "wattage_per_state"});
}

TEST(FuzzFindings, PolicyParamsAreDecimalOnly) {
  for (const char* bad : {"0x10", "inf", "nan", "1e400", "2h", " 2", "2 ", ""}) {
    const auto message = user_error(
        [&] { make_policy("easy-backfill+spillover", {std::string("spillover_wait_h=") + bad}); });
    expect_one_line_naming(message, {"spillover_wait_h", "decimal"});
  }
  EXPECT_NO_THROW(make_policy("easy-backfill+spillover", {"spillover_wait_h=2.5"}));
  EXPECT_NO_THROW(make_policy("easy-backfill+spillover", {"spillover_wait_h=1e1"}));
}

CliResult run_with_interval(const TempDir& dir, const std::string& interval) {
  return run_scenario(dir, {pool("GB200", 72)}, workload(7200, {training_job("a", 0, 72, 1e18)}),
                      {"--interval", interval});
}

TEST(FuzzFindings, RunIntervalIsBetweenASecondAndTheHorizon) {
  TempDir dir;
  auto r = run_with_interval(dir, "0.5s");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--interval 0.5s: the time-series bin must be at least 1s"),
            std::string::npos)
      << r.err;
  r = run_with_interval(dir, "3h");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("at most the horizon (7200s)"), std::string::npos) << r.err;
  r = run_scenario(dir, {pool("GB200", 72)},
                   workload(3660.0 * 86400, {training_job("a", 0, 72, 1e18)}),
                   {"--interval", "60s"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("more than 100000 bins"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("use at least 3163s"), std::string::npos) << r.err;
  EXPECT_EQ(run_with_interval(dir, "1s").exit_code, 0);
  EXPECT_EQ(run_with_interval(dir, "2h").exit_code, 0);
}

// The default bin, an hour, shrinks to a horizon shorter than an hour; "--interval 1h" given
// by the user is checked like any other bin instead of being taken for the default.
TEST(FuzzFindings, AnExplicitHourBinDoesNotShrinkToAShorterHorizon) {
  TempDir dir;
  const nlohmann::json half_hour = workload(1800, {training_job("a", 0, 72, 1e18)});
  EXPECT_EQ(run_scenario(dir, {pool("GB200", 72)}, half_hour).exit_code, 0);
  const auto r = run_scenario(dir, {pool("GB200", 72)}, half_hour, {"--interval", "1h"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--interval 1h: the time-series bin must be at most the horizon (1800s)"),
            std::string::npos)
      << r.err;
}

TEST(FuzzFindings, RunHorizonIsAtLeastASecond) {
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("GB200", 72)}, workload(7200, {training_job("a", 0, 72, 1e18)}),
                   {"--horizon", "0.5s"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--horizon 0.5s: must be at least 1s"), std::string::npos) << r.err;
}

// Every output file of a run, as text.
std::vector<std::string> outputs_of(const TempDir& dir) {
  std::vector<std::string> texts;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path("out")))
    texts.push_back(read_file(entry.path().string()));
  return texts;
}

TEST(FuzzFindings, TinyWorkIsRefusedAndOneFlopWritesNoNanOrInf) {
  TempDir dir;
  auto r = run_scenario(dir, {pool("GB200", 72)},
                        workload(7200, {training_job("denormal", 0, 72, 1e-320)}));
  EXPECT_EQ(r.exit_code, 2) << r.err;  // its fairness_rho was 0 / 0: -nan in jobs.csv
  EXPECT_NE(r.err.find("training[0].work_flops: must be at least 1 FLOP"), std::string::npos)
      << r.err;
  r = run_scenario(dir, {pool("GB200", 72)},
                   workload(7200, {training_job("one", 0, 72, 1), training_job("two", 10, 1, 1)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& text : outputs_of(dir)) EXPECT_FALSE(holds_nan_or_inf(text)) << text;
  const auto jobs = read_csv(dir.path("out/jobs.csv"));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].at("state"), "completed");
}

// An MFU of 1e-300 made a job that could only run to the horizon; below a billionth of peak,
// given or implied by a relative speed, it is refused.
TEST(FuzzFindings, AnMfuBelowABillionthIsRefused) {
  TempDir dir;
  json job = training_job("slow", 0, 72, 1e18);
  job["generations"] = json::array({{{"model", "GB200"}, {"mfu", 1e-300}}});
  auto r = run_scenario(dir, {pool("GB200", 72)}, workload(7200, {job}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  expect_one_line_naming(without_last_newline(r.err),
                         {"training[0].generations[0].mfu", "at least 1e-9"});
  job["generations"] = json::array(
      {{{"model", "GB200"}, {"mfu", 0.4}}, {{"model", "H100"}, {"relative_speed", 1e-12}}});
  r = run_scenario(dir, {pool("GB200", 72), pool("H100", 72)}, workload(7200, {job}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  expect_one_line_naming(without_last_newline(r.err),
                         {"training[0].generations[1].relative_speed", "below 1e-9 on H100"});
  job["generations"] = json::array({{{"model", "GB200"}, {"mfu", 1e-9}}});
  EXPECT_EQ(run_scenario(dir, {pool("GB200", 72)}, workload(7200, {job})).exit_code, 0);
}

// A job of two GB200 NVL72 domains at MFU 0.4 whose work takes `seconds`, with no gradient
// exchange: SimGrid's rounding put the end of such jobs a hair past the horizon, and they came
// out "running" (found with 14 of 60 random horizons and submit times).
json two_domain_job(double submit_s, double seconds) {
  json job = training_job("a", submit_s, 144, 144 * kGb200Flops * 0.4 * seconds);
  job["gradient_bytes"] = 0;
  return job;
}

TEST(FuzzFindings, AJobEndingAtTheHorizonCompletes) {
  for (const auto& [horizon, submit] : std::vector<std::pair<double, double>>{
           {86400, 1.0 / 3}, {12345.678, 0}, {3600, 1.0 / 3}, {12345.678, 123.456}}) {
    TempDir dir;
    const auto r = run_scenario(dir, {pool("GB200", 144)},
                                workload(horizon, {two_domain_job(submit, horizon - submit)}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto jobs = read_csv(dir.path("out/jobs.csv"));
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].at("state"), "completed") << horizon << " " << submit;
    char end[32];
    std::snprintf(end, sizeof end, "%.3f", horizon);
    EXPECT_EQ(jobs[0].at("end_s"), end);
  }
  TempDir dir;  // a millisecond of work left: still running
  const auto r =
      run_scenario(dir, {pool("GB200", 144)}, workload(7200, {two_domain_job(0, 7200.001)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_csv(dir.path("out/jobs.csv"))[0].at("state"), "running");
}

TEST(FuzzFindings, AReplayedJobRecordedToEndAtTheHorizonCompletes) {
  for (const double start : {0.0, 1.0 / 3, 123.456}) {
    TempDir dir;
    auto job = two_domain_job(0, 3600 - start);
    job["recorded"] = {{"start_s", start}, {"end_s", 3600}};
    const auto r =
        run_scenario(dir, {pool("GB200", 144)}, workload(3600, {job}), {"--policy", "replay"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto jobs = read_csv(dir.path("out/jobs.csv"));
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].at("state"), "completed") << start;
    EXPECT_EQ(jobs[0].at("end_s"), "3600.000");
  }
}

TEST(FuzzFindings, AGradientBeyondAnyByteCountIsCappedNotCastAndStillRunsAtTheHorizon) {
  TempDir dir;
  json job = two_domain_job(0, 600);
  job["gradient_bytes"] = 1e300;  // cast to SimGrid's uint64 byte count: undefined
  job["steps"] = 10;
  const auto r = run_scenario(dir, {pool("GB200", 144)}, workload(7200, {job}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto jobs = read_csv(dir.path("out/jobs.csv"));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].at("state"), "running");  // 9.2e18 bytes to exchange: 15 days
  for (const auto& text : outputs_of(dir)) EXPECT_FALSE(holds_nan_or_inf(text)) << text;
}

TEST(FuzzFindings, ServegenReportsEveryRowReadNotTheWindows) {
  TempDir dir;
  std::filesystem::create_directories(dir.path("m-x"));
  // Two clients, three windows each, over the same three windows: six rows, three windows.
  dir.write("m-x/chunk-0-trace.csv", "0,1,1,,0,0\n600,2,1,,0,0\n1200,1,1,,0,0\n");
  dir.write("m-x/chunk-1-trace.csv", "0,1,1,,0,0\n600,2,1,,0,0\n\n1200,1,1,,0,0\n");
  const auto imported = import_trace("servegen", {dir.path("m-x")}, ImportOptions{});
  EXPECT_EQ(imported.report.rows, 6);
  EXPECT_EQ(imported.report.kept.at("windows of summed demand"), 3);
  EXPECT_EQ(imported.report.kept.at("client trace files"), 2);
}

TEST(FuzzFindings, TimeSeriesBinsBeyondAnIntAreRefusedNotCast) {
  EXPECT_THROW(BinnedSeries(1, 3e8, 1e-300), std::invalid_argument);
  const BinnedSeries fine(1, 7200, 3600);
  EXPECT_EQ(fine.bins(), 2);
}

TEST(FuzzFindings, LeaseIdleWithATinyThroughputDoesNotOverflowItsCounts) {
  TempDir dir;
  json service = h100_service({100, 200});
  service["generations"][0]["throughput"] = 1e-300;
  const auto r = run_scenario(dir, {pool("H100", 16)}, workload(7200, json::array(), {service}),
                              {"--policy", "static-partition+lease-idle"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// `gpufleet ARGS` in a child process with TMPDIR set, its output thrown away.
pid_t spawn_cli(const std::vector<std::string>& args, const std::string& tmpdir) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setenv("TMPDIR", tmpdir.c_str(), 1);
  if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr))
    ::_exit(127);
  std::vector<std::string> all = {GPUFLEET_CLI};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(GPUFLEET_CLI, argv.data());
  ::_exit(127);
}

// The texts of a run's output folder, by name (summary.json without its provenance).
std::map<std::string, std::string> folder_texts(const std::string& folder) {
  std::map<std::string, std::string> texts;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    texts[entry.path().filename().string()] = output_text(entry.path().string());
  return texts;
}

bool holds_temporaries(const std::string& folder) {
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) return true;
  return false;
}

// Kills a run into a folder that holds a previous run's outputs, at `delay` after its start or,
// with a negative delay, as soon as it has begun writing temporaries.
struct KillTrial {
  int status = 0;
  bool saw_temporaries = false;
};

KillTrial kill_run(const std::vector<std::string>& args, const std::string& out,
                   const std::string& tmpdir, std::chrono::milliseconds delay, int signal) {
  KillTrial trial;
  const pid_t pid = spawn_cli(args, tmpdir);
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    if (::waitpid(pid, &trial.status, WNOHANG) == pid) return trial;
    const bool writing = holds_temporaries(out);
    trial.saw_temporaries = trial.saw_temporaries || writing;
    if (delay.count() >= 0 ? std::chrono::steady_clock::now() - start >= delay : writing) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ::kill(pid, signal);
  ::waitpid(pid, &trial.status, 0);
  return trial;
}

TEST(FuzzFindings, SigtermOrSigintAtAnyTimeLeavesNoTemporariesAndWholeOutputs) {
  TempDir dir;
  const std::vector<std::string> common = {"run", "--quiet", "--scenario", "seed"};
  auto args_for = [&](const std::string& seed, const std::string& horizon, const std::string& out) {
    auto args = common;
    args.insert(args.end(), {"--seed", seed, "--horizon", horizon, "--out", out, "--scale", "5"});
    return args;
  };
  std::filesystem::create_directories(dir.path("tmp"));
  ASSERT_EQ(run_cli(args_for("1", "1d", dir.path("old"))).exit_code, 0);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(run_cli(args_for("2", "60d", dir.path("new"))).exit_code, 0);
  const auto full =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  const auto old_texts = folder_texts(dir.path("old")), new_texts = folder_texts(dir.path("new"));
  ASSERT_NE(old_texts, new_texts);
  bool killed_while_writing = false;
  // While starting, loading, simulating, and (-1) once the temporaries appear. SIGINT too:
  // SimGrid's own handler took it and called exit(1), leaving the temporaries.
  for (const auto& [at, signal] : std::vector<std::pair<double, int>>{
           {0.02, SIGTERM}, {0.5, SIGINT}, {-1.0, SIGTERM}, {-1.0, SIGINT}, {-1.0, SIGTERM}}) {
    const std::string out = dir.path("out");
    std::filesystem::remove_all(out);
    std::filesystem::copy(dir.path("old"), out);
    const auto delay = std::chrono::milliseconds(
        at < 0 ? -1 : static_cast<long>(at * static_cast<double>(full.count())));
    const auto trial = kill_run(args_for("2", "60d", out), out, dir.path("tmp"), delay, signal);
    const bool by_signal = WIFSIGNALED(trial.status) && WTERMSIG(trial.status) == signal;
    EXPECT_TRUE(by_signal || (WIFEXITED(trial.status) && WEXITSTATUS(trial.status) == 0))
        << "at " << at << ", signal " << signal << ": status " << trial.status;
    killed_while_writing = killed_while_writing || (by_signal && at < 0);
    EXPECT_FALSE(holds_temporaries(out)) << "at " << at;
    EXPECT_TRUE(std::filesystem::is_empty(dir.path("tmp"))) << "a generated platform was left";
    const auto texts = folder_texts(out);
    EXPECT_TRUE(texts == old_texts || texts == new_texts) << "a mix of outputs at " << at;
  }
  EXPECT_TRUE(killed_while_writing) << "no kill landed while the outputs were written";
}

// A process's state letter and parent, from /proc/PID/stat; nullopt once it is gone.
std::optional<std::pair<char, pid_t>> state_and_parent(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line) || line.rfind(')') == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(line.rfind(')') + 2));  // the name may hold spaces
  char state = 0;
  pid_t parent = 0;
  rest >> state >> parent;
  return std::pair{state, parent};
}

// Not yet ended (a zombie has ended, only unreaped).
bool running(pid_t pid) {
  const auto status = state_and_parent(pid);
  return status && status->first != 'Z';
}

// The children of `parent` that are running.
std::vector<pid_t> live_children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    const auto status = state_and_parent(pid);
    if (status && status->second == parent && status->first != 'Z') children.push_back(pid);
  }
  return children;
}

// A compare killed with SIGKILL left its runs going, adopted by init, for as long as they
// took; now each gets SIGTERM when its parent ends, and removes its temporaries. The runs take
// minutes (a service whose demand changes every second for a year) from inputs that load at
// once, so that the test is as quick under ASan as it is in a release build.
TEST(FuzzFindings, KillingACompareStopsItsRuns) {
  TempDir dir;
  std::filesystem::create_directories(dir.path("tmp"));
  json service = h100_service({});
  service["demand"] = {{"interval_s", 1}, {"repeat", true}, {"values", {50, 150}}};
  const std::string platform = dir.write("platform.xml", platform_xml({pool("H100", 64)}));
  const std::string workload_file =
      dir.write("workload.json", workload(365 * 86400.0, json::array(), {service}).dump());
  const std::string out = dir.path("cmp");
  const pid_t compare =
      spawn_cli({"compare", "--quiet", "--workload", workload_file, "--platform", platform,
                 "--policies", "static-partition,fifo", "--jobs", "2", "--out", out},
                dir.path("tmp"));
  std::vector<pid_t> runs;
  const auto start = std::chrono::steady_clock::now();
  while (runs.size() < 2 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    runs = live_children_of(compare);
  }
  ASSERT_EQ(runs.size(), 2u) << "the compare did not start its two runs";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past end_with_parent()
  ::kill(compare, SIGKILL);
  int status = 0;
  ::waitpid(compare, &status, 0);
  for (const pid_t run : runs) {
    const auto killed = std::chrono::steady_clock::now();
    while (running(run) && std::chrono::steady_clock::now() - killed < std::chrono::seconds(5))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(running(run)) << "run " << run << " outlived its compare";
    if (running(run)) ::kill(run, SIGKILL);  // not left to run for a year
  }
  for (const char* policy : {"static-partition", "fifo"}) {
    if (std::filesystem::exists(out + "/" + policy)) {
      EXPECT_FALSE(holds_temporaries(out + "/" + policy)) << policy;
    }
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path("tmp"))) << "a generated platform was left";
}

// The paths to remove on a signal lived in a table of 64: a process killed with more
// temporaries than that staged left the others behind.
TEST(FuzzFindings, ASignalRemovesEveryStagedTemporaryHoweverMany) {
  TempDir dir;
  const std::string folder = dir.path("many");
  const std::string long_name(200, 'n');
  const pid_t pid = ::fork();
  if (pid == 0) {
    AtomicFiles files(folder);
    for (int i = 0; i < 300; ++i) files.add(long_name + std::to_string(i), "x");
    ::raise(SIGTERM);
    ::_exit(0);
  }
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
  ASSERT_TRUE(std::filesystem::is_directory(folder));
  EXPECT_TRUE(std::filesystem::is_empty(folder)) << "temporaries were left";
}

}  // namespace
}  // namespace gpufleet::test
