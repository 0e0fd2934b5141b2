#include "runtime/command_line.hpp"

#include <fstream>
#include <iterator>

namespace gpufleet {

std::vector<std::string> command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t end; (end = raw.find('\0', start)) != std::string::npos; start = end + 1)
    args.push_back(raw.substr(start, end - start));
  return args;
}

}  // namespace gpufleet
