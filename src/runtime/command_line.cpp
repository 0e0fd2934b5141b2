#include "runtime/command_line.hpp"

#include <fstream>
#include <iterator>

namespace gpufleet {

namespace {

struct StandIn {
  std::string executable;
  std::vector<std::string> args;
};

// Set only in a process that stands in for the CLI (see the header); empty in the CLI itself.
std::optional<StandIn>& stand_in() {
  static std::optional<StandIn> value;
  return value;
}

}  // namespace

void stand_in_for_cli(const std::string& executable, const std::vector<std::string>& args) {
  stand_in() = StandIn{executable, args};
}

std::optional<std::string> stand_in_executable() {
  if (!stand_in()) return std::nullopt;
  return stand_in()->executable;
}

std::vector<std::string> command_line() {
  if (stand_in()) return stand_in()->args;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t end; (end = raw.find('\0', start)) != std::string::npos; start = end + 1)
    args.push_back(raw.substr(start, end - start));
  return args;
}

}  // namespace gpufleet
