// GPU catalog files (--catalog, docs/hardware.md "Catalog files"): the shipped file is the
// catalog the code had, a file adds and overrides models end to end, bad files are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "formats/json_fields.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"
#include "test_support.hpp"

namespace gpufleet {
namespace {

using nlohmann::json;
using test::run_cli;
using test::TempDir;

const std::string kShippedFile = GPUFLEET_SOURCE_DIR "/catalogs/gpu-catalog.json";

// The catalog as src/model/gpu_catalog.cpp held it before it moved to a file, serving figures
// included: the shipped file must give exactly these.
std::vector<GpuSpec> catalog_before_the_file() {
  // clang-format off
  std::vector<GpuSpec> c = {
      {"GB200", "GB200 NVL72", "training", 72, 2.5e15, 186, 1200, 300, 400, 130000, 4.50, 70000, 8, 2.2},
      {"GB300", "GB300 NVL72", "training", 72, 2.5e15, 279, 1400, 350, 800, 130000, 6.00, 75000, 8, 2.5},
      {"H100", "HGX H100", "inference", 8, 989e12, 80, 700, 100, 400, 7200, 2.50, 50000, 32, 1.0},
      {"H200", "HGX H200", "inference", 8, 989e12, 141, 700, 100, 400, 7200, 3.50, 55000, 32, 1.1},
      {"B300", "HGX B300", "training", 8, 2.25e15, 270, 1100, 150, 800, 14400, 5.50, 65000, 32, 2.3},
      {"Rubin", "Vera Rubin NVL144", "training", 72, 5e15, 288, 1800, 400, 1600, 259200, 8.00, 90000, 8, 5.0},
      {"T4", "PCIe T4 server", "training", 2, 65e12, 16, 70, 10, 25, 32, 0.35, 2500, 32, 0},
      {"P100", "PCIe P100 server", "training", 2, 18.7e12, 16, 250, 25, 25, 32, 1.46, 6000, 32, 0},
      {"V100M16", "SXM2 V100 16GB server", "training", 8, 125e12, 16, 300, 40, 25, 2400, 2.48, 10000, 32, 0},
      {"V100M32", "SXM2 V100 32GB server", "training", 8, 125e12, 32, 300, 40, 25, 2400, 2.48, 12000, 32, 0},
      {"A10", "PCIe A10 server", "training", 1, 125e12, 24, 150, 20, 25, 32, 1.00, 3500, 32, 0},
      {"G2", "undisclosed (V100 32GB stand-in)", "training", 8, 125e12, 32, 300, 40, 25, 2400, 2.48, 12000, 32, 0},
      {"G3", "undisclosed (A100 40GB stand-in)", "training", 8, 312e12, 40, 400, 50, 100, 4800, 3.67, 15000, 32, 0},
  };
  const struct { const char* model; double hbm, fp8, fp4, nvlink; } serving[] = {
      {"GB200", 8e12, 5e15, 10e15, 1.8e12}, {"GB300", 8e12, 5e15, 15e15, 1.8e12},
      {"H100", 3.35e12, 1.979e15, 0, 900e9}, {"H200", 4.8e12, 1.979e15, 0, 900e9},
      {"B300", 7.7e12, 4.5e15, 14e15, 1.8e12}};
  // clang-format on
  for (auto& spec : c)
    for (const auto& s : serving)
      if (spec.model == s.model) {
        spec.hbm_bytes_per_s = s.hbm;
        spec.fp8_flops = s.fp8;
        spec.fp4_flops = s.fp4;
        spec.nvlink_bytes_per_s = s.nvlink;
      }
  return c;
}

void expect_same(const GpuSpec& a, const GpuSpec& b) {
  SCOPED_TRACE(a.model);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.system, b.system);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.gpus_per_domain, b.gpus_per_domain);
  EXPECT_EQ(a.hosts_per_leaf, b.hosts_per_leaf);
  // Exact: a run's outputs depend on these bits (tests/policy_digests.json).
  for (auto field :
       {&GpuSpec::bf16_flops, &GpuSpec::hbm_gb, &GpuSpec::tdp_w, &GpuSpec::idle_w,
        &GpuSpec::scaleout_gbps, &GpuSpec::nvlink_domain_GBps, &GpuSpec::price_per_gpu_hour,
        &GpuSpec::capex_per_gpu, &GpuSpec::training_speed, &GpuSpec::hbm_bytes_per_s,
        &GpuSpec::fp8_flops, &GpuSpec::fp4_flops, &GpuSpec::nvlink_bytes_per_s})
    EXPECT_EQ(a.*field, b.*field);
}

std::vector<GpuSpec> load(const json& doc, std::vector<GpuSpec> base = catalog_before_the_file()) {
  return gpu_catalog_from_json(doc, "my-catalog.json", std::move(base));
}

json catalog_of(json models) {
  if (models.is_object()) models = json::array({models});
  return {{"format", "gpufleet-gpu-catalog"}, {"version", 1}, {"models", models}};
}

// A100 40 GB in an 8-GPU HGX server, every required field.
json a100() {
  return {{"model", "A100"},
          {"system", "HGX A100"},
          {"role", "training"},
          {"gpus_per_domain", 8},
          {"bf16_flops", 312e12},
          {"hbm_gb", 40},
          {"tdp_w", 400},
          {"idle_w", 50},
          {"scaleout_gbps", 200},
          {"nvlink_domain_GBps", 4800},
          {"price_per_gpu_hour", 1.5},
          {"capex_per_gpu", 20000},
          {"hosts_per_leaf", 32}};
}

const GpuSpec* find(const std::vector<GpuSpec>& c, const std::string& model) {
  for (const auto& s : c)
    if (s.model == model) return &s;
  return nullptr;
}

TEST(Catalog, ShippedFileIsTheCatalogTheCodeHad) {
  const auto file = gpu_catalog_from_json(read_json_file(kShippedFile), kShippedFile, {});
  const auto before = catalog_before_the_file();
  ASSERT_GE(file.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) expect_same(file[i], before[i]);
  // The copy compiled into the binary is the file, field for field.
  ASSERT_EQ(shipped_gpu_catalog().size(), file.size());
  for (size_t i = 0; i < file.size(); ++i) expect_same(shipped_gpu_catalog()[i], file[i]);
  for (const char* added : {"A100-40", "A100-80", "B200", "L40S", "MI300X"})
    EXPECT_NE(find(file, added), nullptr) << added;
}

TEST(Catalog, NewModelsAreWithinTheirDatasheets) {
  const auto& c = shipped_gpu_catalog();
  EXPECT_EQ(find(c, "A100-80")->hbm_gb, 80);
  EXPECT_EQ(find(c, "A100-40")->bf16_flops, 312e12);
  EXPECT_EQ(find(c, "B200")->bf16_flops, 2.25e15);
  EXPECT_EQ(find(c, "L40S")->nvlink_bytes_per_s, 64e9);  // PCIe Gen4 x16: no NVLink
  EXPECT_EQ(find(c, "MI300X")->hbm_gb, 192);
  for (const auto& spec : c) EXPECT_LE(spec.idle_w, spec.tdp_w) << spec.model;
}

TEST(Catalog, AFileAddsAModel) {
  const auto c = load(catalog_of(a100()));
  ASSERT_NE(find(c, "A100"), nullptr);
  EXPECT_EQ(find(c, "A100")->bf16_flops, 312e12);
  EXPECT_EQ(find(c, "A100")->training_speed, 0);  // optional fields default to 0: not rated
  EXPECT_EQ(c.size(), catalog_before_the_file().size() + 1);
}

TEST(Catalog, AFileOverridesOnlyTheFieldsItGives) {
  const auto c = load(catalog_of({{"model", "h100"}, {"price_per_gpu_hour", 1.25}}));
  const auto before = catalog_before_the_file();
  ASSERT_EQ(c.size(), before.size());
  ASSERT_NE(find(c, "H100"), nullptr);  // the catalog's spelling kept, not "h100"
  GpuSpec expected = *find(before, "H100");
  expected.price_per_gpu_hour = 1.25;
  expect_same(*find(c, "H100"), expected);
  expect_same(*find(c, "H200"), *find(before, "H200"));
}

// Each bad file is refused with an InputError naming the file and the field.
void expect_refused(const json& doc, const std::string& field) {
  try {
    load(doc);
    ADD_FAILURE() << "accepted: " << doc.dump();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("my-catalog.json: " + field), std::string::npos)
        << e.what();
  }
}

TEST(Catalog, BadFilesAreRefusedNamingTheField) {
  auto with = [](const std::string& key, json value) {
    json m = a100();
    m[key] = std::move(value);
    return catalog_of(m);
  };
  expect_refused(with("tdp", 400), "models[0].tdp");  // unknown field (a typo of tdp_w)
  expect_refused(with("price_per_gpu_hour", -1), "models[0].price_per_gpu_hour");
  expect_refused(with("bf16_flops", std::numeric_limits<double>::quiet_NaN()),
                 "models[0].bf16_flops");
  expect_refused(with("bf16_flops", 1e300), "models[0].bf16_flops");
  expect_refused(with("tdp_w", std::numeric_limits<double>::infinity()), "models[0].tdp_w");
  expect_refused(with("gpus_per_domain", 8.0), "models[0].gpus_per_domain");
  expect_refused(with("gpus_per_domain", 0), "models[0].gpus_per_domain");
  expect_refused(with("role", "serving"), "models[0].role");
  expect_refused(with("model", "A100:80"), "models[0].model");
  expect_refused(with("system", 7), "models[0].system");
  expect_refused(with("idle_w", 500), "models[0].idle_w");  // above its TDP
  json missing = a100();
  missing.erase("tdp_w");
  expect_refused(catalog_of(missing), "models[0].tdp_w");
  json twice = a100();
  twice["model"] = "a100";
  expect_refused(catalog_of(json::array({a100(), twice})), "models[1].model");
  expect_refused(catalog_of({{"model", "H100"}, {"hbm_gb", -80}}), "models[0].hbm_gb");
  json no_format = catalog_of(a100());
  no_format.erase("format");
  expect_refused(no_format, "format");
  json version2 = catalog_of(a100());
  version2["version"] = 2;
  expect_refused(version2, "version");
  json extra = catalog_of(a100());
  extra["gpus"] = json::array();
  expect_refused(extra, "gpus");
}

TEST(CatalogCli, AModelFromAFileRunsEndToEnd) {
  TempDir dir;
  const auto file = dir.write("a100.json", catalog_of(a100()).dump(1));
  const auto platform =
      run_cli({"platform", "--catalog", file, "--pool", "a100:64", "-o", dir.path("p.xml")});
  ASSERT_EQ(platform.exit_code, 0) << platform.err;
  const json job = {{"id", "j1"},
                    {"submit_s", 0},
                    {"gpus", 16},
                    {"work_flops", 1e19},
                    {"generations", {{{"model", "A100"}, {"mfu", 0.4}}}}};
  dir.write("w.json", test::workload(86400, job).dump());
  const std::vector<std::string> run = {
      "run",   "-q",           "--workload", dir.path("w.json"), "--platform", dir.path("p.xml"),
      "--out", dir.path("out")};
  auto with_catalog = run;
  with_catalog.insert(with_catalog.end(), {"--catalog", file});
  const auto ran = run_cli(with_catalog);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto jobs = test::read_csv(dir.path("out/jobs.csv"));
  ASSERT_EQ(jobs.size(), 1u);
  const auto summary = json::parse(test::read_file(dir.path("out/summary.json")));
  EXPECT_NE(summary.dump().find("A100"), std::string::npos);
  // The catalog file is one of the run's recorded inputs.
  EXPECT_NE(summary["provenance"].dump().find("gpu_catalog"), std::string::npos)
      << summary["provenance"].dump();
  // Without the file the model is unknown to `platform`: refused, naming it.
  const auto bare = run_cli({"platform", "--pool", "A100:64"});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("A100"), std::string::npos) << bare.err;
}

TEST(CatalogCli, AnOverriddenPriceReachesThePlatform) {
  TempDir dir;
  const auto file =
      dir.write("cheap.json", catalog_of({{"model", "H100"}, {"price_per_gpu_hour", 1.25}}).dump());
  const auto shipped = run_cli({"platform", "--pool", "H100:16"});
  const auto cheap = run_cli({"platform", "--catalog", file, "--pool", "H100:16"});
  ASSERT_EQ(cheap.exit_code, 0) << cheap.err;
  EXPECT_NE(shipped.out.find("\"price_per_gpu_hour\" value=\"2.5\""), std::string::npos)
      << shipped.out;
  EXPECT_NE(cheap.out.find("\"price_per_gpu_hour\" value=\"1.25\""), std::string::npos)
      << cheap.out;
}

TEST(CatalogCli, ABadFileIsRefusedWithExit2) {
  TempDir dir;
  json bad = catalog_of(a100());
  bad["models"][0]["tdp_w"] = -400;
  const auto file = dir.write("bad.json", bad.dump());
  for (const char* command : {"platform", "run", "import", "study", "generate", "compare"}) {
    std::vector<std::string> args = {command, "--catalog", file};
    // Each command's required arguments, so that only the catalog can be wrong.
    if (std::string(command) == "platform") args.insert(args.end(), {"--pool", "H100:8"});
    if (std::string(command) == "import")
      args.insert(args.end(), {"swf", dir.path("none.swf"), "-o", dir.path("w.json")});
    if (std::string(command) == "study") args.push_back(dir.path("none.json"));
    if (std::string(command) == "generate") args.insert(args.end(), {"-o", dir.path("g.json")});
    if (std::string(command) == "compare") args.insert(args.end(), {"--policies", "fifo"});
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find(file + ": models[0].tdp_w"), std::string::npos) << command << r.err;
  }
  const auto syntax =
      dir.write("nan.json", R"({"format": "gpufleet-gpu-catalog", "models": [NaN]})");
  const auto r = run_cli({"platform", "--catalog", syntax, "--pool", "H100:8"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(syntax), std::string::npos) << r.err;
}

TEST(CatalogCli, AStudyPassesItsCatalogToEveryRunAndCountsItsContent) {
  TempDir dir;
  json model = a100();
  model["training_speed"] = 0.4;  // lets a fleet what-if put training jobs on it
  const auto catalog = dir.write("gpus.json", catalog_of(model).dump());
  const auto spec = dir.write("s.json", R"({"format": "gpufleet-study", "version": 1,
    "scale": 0.1, "days": 2, "seeds": [1], "policies": ["static-partition"],
    "fleets": [{"name": "base"}, {"name": "a100", "changes": ["A100:+64"]}]})");
  const std::vector<std::string> study = {"study", spec,    "--catalog",
                                          catalog, "--out", dir.path("out")};
  const auto first = run_cli(study);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  for (const auto& row : test::read_csv(dir.path("out/manifest.csv")))
    EXPECT_NE(row.at("command").find("--catalog " + catalog), std::string::npos)
        << row.at("command");
  bool a100_pool = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path("out/runs")))
    if (entry.path().filename() == "summary.json")
      a100_pool |= test::read_file(entry.path().string()).find("\"A100\"") != std::string::npos;
  EXPECT_TRUE(a100_pool);
  const auto same = run_cli(study);
  EXPECT_NE(same.err.find("2 runs, 2 done before, 0 to run"), std::string::npos) << same.err;
  // Other figures in the same file name: other runs.
  model["price_per_gpu_hour"] = 1.0;
  dir.write("gpus.json", catalog_of(model).dump());
  const auto changed = run_cli(study);
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_NE(changed.err.find("2 runs, 0 done before, 2 to run"), std::string::npos) << changed.err;
}

TEST(Catalog, IsInstalledOnlyBeforeItsFirstRead) {
  // Read first, so that this test never replaces the catalog of the tests after it.
  ASSERT_FALSE(gpu_catalog().empty());
  EXPECT_THROW(install_gpu_catalog(catalog_before_the_file()), std::logic_error);
  EXPECT_EQ(gpu_catalog().size(), shipped_gpu_catalog().size());
}

TEST(CatalogCli, AnImporterPutsJobsOnAModelOfTheFile) {
  TempDir dir;
  const auto file = dir.write("a100.json", catalog_of(a100()).dump());
  const auto swf = dir.write("t.swf",
                             "; two jobs\n1 0 10 3600 8 -1 -1 8 7200 -1 1 1 1 -1 1 -1 -1 -1\n"
                             "2 100 0 1800 16 -1 -1 16 3600 -1 1 2 1 -1 1 -1 -1 -1\n");
  const auto r = run_cli({"import", "swf", swf, "--catalog", file, "--gpu-model", "a100", "-o",
                          dir.path("w.json"), "--platform-out", dir.path("p.xml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto w = json::parse(test::read_file(dir.path("w.json")));
  ASSERT_EQ(w["training"].size(), 2u);
  for (const auto& job : w["training"]) EXPECT_EQ(job["generations"][0]["model"], "A100");
  const auto bare =
      run_cli({"import", "swf", swf, "--gpu-model", "A100", "-o", dir.path("x.json")});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("--catalog"), std::string::npos) << bare.err;
}

}  // namespace
}  // namespace gpufleet
