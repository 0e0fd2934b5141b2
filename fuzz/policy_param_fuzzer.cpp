// `--policy NAME --param K=V ...`: the first line is the policy name, every further line one
// --param, as `gpufleet run` passes them to make_policy.
#include "fuzz_support.hpp"
#include "scheduler/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const std::string text = fuzz::text_of(data, size);
  std::vector<std::string> lines;
  size_t at = 0;
  while (at <= text.size() && lines.size() < 16) {
    const size_t end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  const std::string name = lines.front();
  lines.erase(lines.begin());
  fuzz::expect_clean([&] { make_policy(name, lines); });
  return 0;
}
