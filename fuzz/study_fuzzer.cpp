// A study file, as `gpufleet study FILE` reads it before any run: load_study (fields, sweeps,
// bounds, arms and folder names, metric keys' syntax), its economics overrides, and each fleet's
// changes applied to a small mixed fleet (shares, counts, new pools, contracts).
#include "fuzz_support.hpp"
#include "study/fleet_variant.hpp"
#include "study/study_spec.hpp"

namespace {

const std::vector<gpufleet::PoolSpec>& small_pools() {
  static const std::vector<gpufleet::PoolSpec> pools = [] {
    std::vector<gpufleet::PoolSpec> out;
    for (const auto& [model, gpus] :
         {std::pair{"GB200", 144}, {"GB300", 72}, {"H100", 64}, {"H200", 64}}) {
      out.emplace_back();
      out.back().model = model;
      out.back().gpus = gpus;
    }
    return out;
  }();
  return pools;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string file = fuzz::write_scratch("study.json", fuzz::text_of(data, size));
  fuzz::expect_clean([&] {
    const StudySpec spec = load_study(file);
    load_study_economics(spec);
    std::vector<std::string> notes;
    for (const auto& fleet : spec.fleets)
      apply_fleet_changes(small_pools(), fleet.changes, 86400, notes);
  });
  return 0;
}
