// Economics JSON, as `gpufleet run --economics FILE` reads it: load_economics on the defaults,
// then check_economics against a fleet.
#include "fuzz_support.hpp"
#include "outputs/economics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string file = fuzz::write_scratch("economics.json", fuzz::text_of(data, size));
  fuzz::expect_clean(
      [&] { check_economics(load_economics(file, EconomicsParams{}), fuzz::small_fleet()); });
  return 0;
}
