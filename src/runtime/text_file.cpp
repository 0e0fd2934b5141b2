#include "runtime/text_file.hpp"

#include <fstream>
#include <sstream>

namespace gpufleet {

std::string read_text_or_empty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

std::string last_line_of(const std::string& path) {
  std::stringstream in(read_text_or_empty(path));
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace gpufleet
