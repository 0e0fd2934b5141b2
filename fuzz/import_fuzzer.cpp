// One importer (FUZZ_FORMAT, set per target by CMake), as `gpufleet import` runs it: the
// input's files (split at "====" lines) are written to a scratch folder, imported strictly and
// with --lenient, and a successful import's workload must be one `run` accepts. The servegen
// target also derives a demand shape from the folder, as `gpufleet shape --servegen` does.
#include <filesystem>

#include "fuzz_support.hpp"
#include "import/importers.hpp"
#include "scenario/demand_shape.hpp"

namespace {

using namespace gpufleet;

// The files an importer of this format reads, as paths.
std::vector<std::string> inputs_for(const std::vector<std::string>& files) {
  const std::string format = FUZZ_FORMAT;
  if (format == "servegen") {
    const auto dir = std::filesystem::path(fuzz::scratch_dir()) / "m-fuzz";
    std::filesystem::remove_all(dir);
    for (size_t i = 0; i < files.size(); ++i)
      fuzz::write_scratch("m-fuzz/chunk-" + std::to_string(i) + "-trace.csv", files[i]);
    return {dir.string()};
  }
  std::vector<std::string> paths;
  for (size_t i = 0; i < files.size(); ++i)
    paths.push_back(fuzz::write_scratch("input-" + std::to_string(i) + ".csv", files[i]));
  return paths;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto files = fuzz::split_files(fuzz::text_of(data, size), 3);
  const auto inputs = inputs_for(files);
  for (bool lenient : {false, true}) {
    ImportOptions options;
    options.lenient = lenient;
    fuzz::expect_clean(
        [&] { fuzz::check_import_output(import_trace(FUZZ_FORMAT, inputs, options)); });
  }
  if (std::string(FUZZ_FORMAT) == "servegen")
    fuzz::expect_clean([&] { derive_servegen_shape(inputs.front()); });
  return 0;
}
