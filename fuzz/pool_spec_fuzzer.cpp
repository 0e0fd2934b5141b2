// `gpufleet platform --pool SPEC ...`: one spec a line, parse_pool_spec then platform_xml.
#include "formats/platform_writer.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_clean([&] {
    std::vector<PoolSpec> pools;
    size_t at = 0;
    while (at < text.size() && pools.size() < 8) {
      const size_t end = std::min(text.find('\n', at), text.size());
      pools.push_back(parse_pool_spec(text.substr(at, end - at)));
      at = end + 1;
    }
    platform_xml(pools);
  });
  return 0;
}
