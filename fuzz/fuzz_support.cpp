#include "fuzz_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "formats/workload_io.hpp"
#include "import/importers.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"

namespace gpufleet::fuzz {

const std::string& scratch_dir() {
  static const std::string dir = [] {
    const auto path =
        std::filesystem::temp_directory_path() / ("gpufleet-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path.string();
  }();
  return dir;
}

std::string write_scratch(const std::string& name, std::string_view content) {
  const auto path = std::filesystem::path(scratch_dir()) / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(content.data(), std::streamsize(content.size()));
  return path.string();
}

std::vector<std::string> split_files(std::string_view text, size_t max_parts) {
  std::vector<std::string> parts(1);
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(at, end - at);
    if (line == "====" && parts.size() < max_parts)
      parts.emplace_back();
    else
      parts.back().append(line).append(end < text.size() ? "\n" : "");
    at = end + 1;
  }
  return parts;
}

namespace {

[[noreturn]] void finding(const char* kind, const std::string& what) {
  std::fprintf(stderr, "FINDING: %s: %s\n", kind, what.c_str());
  std::abort();
}

void check_message(const std::string& what) {
  if (what.empty() || what.find('\n') != std::string::npos)
    finding("the error is not one non-empty line", what);
}

}  // namespace

void expect_clean(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const InputError& e) {
    check_message(e.what());
  } catch (const std::invalid_argument& e) {
    check_message(e.what());
  } catch (const std::exception& e) {
    finding("an exception the CLI reports as an internal error", e.what());
  }
}

Fleet fleet_of(const std::vector<PoolSpec>& specs) {
  std::map<std::string, int> seen;
  std::vector<std::pair<std::string, const PoolSpec*>> named;
  for (const auto& p : specs) {
    std::string name = p.name;
    if (name.empty()) {
      const int n = ++seen[p.model];
      for (char c : p.model) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (n > 1) name += "-" + std::to_string(n);
    }
    named.emplace_back(name, &p);
  }
  std::sort(named.begin(), named.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  Fleet fleet;
  for (const auto& [name, spec] : named) {
    const auto gpu = find_gpu(spec->model);
    if (!gpu) throw std::invalid_argument("unknown model " + spec->model);
    Pool pool;
    pool.name = name;
    pool.gpu_model = gpu->model;
    pool.role = parse_pool_role(spec->role.empty() ? gpu->role : spec->role);
    pool.gpus_per_domain = spec->gpus_per_domain > 0 ? spec->gpus_per_domain : gpu->gpus_per_domain;
    pool.peak_flops_per_gpu = gpu->bf16_flops;
    pool.hbm_gb = gpu->hbm_gb;
    pool.tdp_w = gpu->tdp_w;
    pool.idle_w = gpu->idle_w;
    pool.price_per_gpu_hour = gpu->price_per_gpu_hour;
    pool.capex_per_gpu = gpu->capex_per_gpu;
    pool.first_domain = static_cast<int>(fleet.domains.size());
    pool.domain_count = spec->gpus / pool.gpus_per_domain;
    for (int d = 0; d < pool.domain_count; ++d)
      fleet.domains.push_back({name + "-" + std::to_string(d), static_cast<int>(fleet.pools.size()),
                               pool.gpus_per_domain, -1});
    fleet.pools.push_back(pool);
  }
  return fleet;
}

const Fleet& small_fleet() {
  static const Fleet fleet = fleet_of({{"GB200", 144, "", "training", 0},
                                       {"GB300", 72, "", "training", 0},
                                       {"H100", 64, "", "inference", 0},
                                       {"H200", 32, "", "inference", 0}});
  return fleet;
}

void check_import_output(const Imported& imported) {
  const std::string text = workload_to_text(imported.workload);
  if (!imported.pools.empty()) platform_xml(imported.pools);
  // What `import` wrote must be what `run` accepts: any error from here on is a finding.
  try {
    const std::string file = write_scratch("imported.json", text);
    Workload workload = load_workload(file);
    long gpus = 0;
    for (const auto& p : imported.pools) gpus += p.gpus;
    if (!imported.pools.empty() && gpus < 1'000'000)  // binding a huge fleet only costs time
      bind_workload(workload, fleet_of(imported.pools), file);
  } catch (const std::exception& e) {
    finding("import wrote a workload that run rejects", e.what());
  }
}

}  // namespace gpufleet::fuzz
