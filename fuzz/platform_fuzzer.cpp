// Platform XML: the check `run` makes before SimGrid reads the file (SimGrid itself aborts on
// some values, so it cannot be fuzzed in-process). Its scanner must stay in bounds on any text.
#include "formats/platform_check.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_clean([&] { check_platform_xml(text, "fuzz.xml"); });
  return 0;
}
