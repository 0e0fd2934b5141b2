// Economics JSON, as `gpufleet run --economics FILE` reads it: load_economics on the defaults,
// then check_economics against a fleet and a workload with one service, "chat".
#include "fuzz_support.hpp"
#include "outputs/economics.hpp"

namespace {

const gpufleet::Workload& one_service() {
  static const gpufleet::Workload workload = [] {
    gpufleet::Workload w;
    w.inference.emplace_back();
    w.inference.back().id = "chat";
    return w;
  }();
  return workload;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string file = fuzz::write_scratch("economics.json", fuzz::text_of(data, size));
  fuzz::expect_clean([&] {
    check_economics(load_economics(file, EconomicsParams{}), fuzz::small_fleet(), one_service());
  });
  return 0;
}
