// Demand-shape JSON, as a scenario's "shape" field loads it.
#include "fuzz_support.hpp"
#include "scenario/demand_shape.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string file = fuzz::write_scratch("shape.json", fuzz::text_of(data, size));
  fuzz::expect_clean([&] { demand_shape_to_json(load_demand_shape(file)); });
  return 0;
}
