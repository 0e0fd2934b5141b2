// Scenario JSON, as `gpufleet generate --scenario FILE` reads it: load_scenario, then
// generate_scenario at a small scale over one day (the draws, not their size, are fuzzed).
#include <filesystem>

#include "fuzz_support.hpp"
#include "scenario/scenario.hpp"
#include "scenario/scenario_generator.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The shipped shape, where a scenario's "../shapes/servegen-m-small.json" finds it.
  const auto shapes = std::filesystem::path(gpufleet::fuzz::scratch_dir()) / "shapes";
  std::filesystem::create_directories(shapes);
  std::filesystem::copy_file(GPUFLEET_SOURCE_DIR "/workloads/shapes/servegen-m-small.json",
                             shapes / "servegen-m-small.json",
                             std::filesystem::copy_options::overwrite_existing);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string file =
      fuzz::write_scratch("scenarios/scenario.json", fuzz::text_of(data, size));
  fuzz::expect_clean([&] {
    const Scenario scenario = load_scenario(file);
    GenerateOptions options;
    options.days = 1;
    options.scale = 0.01;
    generate_scenario(scenario, options);
  });
  return 0;
}
