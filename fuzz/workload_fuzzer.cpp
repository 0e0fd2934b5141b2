// Workload JSON, as `gpufleet run --workload` reads it: load_workload, then bind_workload.
#include "formats/workload_io.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string file = fuzz::write_scratch("workload.json", fuzz::text_of(data, size));
  fuzz::expect_clean([&] {
    Workload workload = load_workload(file);
    bind_workload(workload, fuzz::small_fleet(), file);
    unusable_pools(workload, fuzz::small_fleet());
  });
  return 0;
}
