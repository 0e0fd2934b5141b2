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

#include "formats/platform_writer.hpp"
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
