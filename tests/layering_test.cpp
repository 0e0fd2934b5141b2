// The layout of src/ is the architecture (docs/architecture.md): one folder per layer, and an
// #include only ever reaches down, to a folder of a lower layer, or within its own folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

namespace {

namespace fs = std::filesystem;

// Layer of each folder of src/; the same table as docs/architecture.md.
const std::map<std::string, int> kLayer = {
    {"model", 0},   {"charts", 0},   {"runtime", 0},   {"serving", 1},
    {"formats", 2}, {"scenario", 3}, {"scheduler", 3}, {"policies", 4},
    {"metrics", 4}, {"import", 4},   {"outputs", 5},   {"sim", 5},
    {"report", 5},  {"study", 6},    {"cli", 7},       {"python", 8},
};

const fs::path kSrc = fs::path(GPUFLEET_SOURCE_DIR) / "src";

TEST(Layering, EveryFolderOfSrcHasALayer) {
  for (const auto& entry : fs::directory_iterator(kSrc)) {
    ASSERT_TRUE(entry.is_directory()) << entry.path() << ": src/ holds only layer folders";
    EXPECT_TRUE(kLayer.count(entry.path().filename().string()))
        << entry.path() << " has no layer: add it to this test and docs/architecture.md";
  }
}

// A layer's folder, or a part's subfolder within it (src/import/slurm), stays small enough to read.
TEST(Layering, NoFolderHoldsMoreThanSixteenFiles) {
  for (const auto& entry : fs::recursive_directory_iterator(kSrc)) {
    if (!entry.is_directory()) continue;
    const auto files = std::distance(fs::directory_iterator(entry), fs::directory_iterator());
    EXPECT_LE(files, 16) << entry.path() << " holds " << files << " files: split it by part";
  }
}

// The layer a file belongs to: its folder right under src/, also for a part's subfolder.
std::string layer_folder(const fs::path& file) {
  return fs::relative(file, kSrc).begin()->string();
}

TEST(Layering, IncludesRunFromHigherLayersToLowerOnes) {
  const std::regex include(R"(^\s*#\s*include\s*"([a-z_]+)/)");
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kSrc)) {
    if (!entry.is_regular_file()) continue;
    const std::string folder = layer_folder(entry.path());
    if (!kLayer.count(folder)) continue;  // reported by EveryFolderOfSrcHasALayer
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      ++checked;
      const std::string target = m[1];
      ASSERT_TRUE(kLayer.count(target)) << entry.path() << ":" << number << ": " << line;
      EXPECT_TRUE(target == folder || kLayer.at(target) < kLayer.at(folder))
          << entry.path() << ":" << number << " includes " << target << " (layer "
          << kLayer.at(target) << ") from " << folder << " (layer " << kLayer.at(folder) << ")";
    }
  }
  EXPECT_GT(checked, 100) << "the include pattern matched almost nothing";
}

}  // namespace
