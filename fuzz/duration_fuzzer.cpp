// Duration strings (--horizon, --interval, --days): parse_duration_s, whose result must be a
// positive finite number of seconds when it returns.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "fuzz_support.hpp"
#include "model/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_clean([&] {
    const double s = parse_duration_s(text);
    if (!(std::isfinite(s) && s > 0)) {
      std::fprintf(stderr, "FINDING: '%s' parsed to %g s\n", text.c_str(), s);
      std::abort();
    }
  });
  return 0;
}
