#include "formats/temporary_file.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace gpufleet {

TemporaryFile::TemporaryFile(const std::string& content, const std::string& suffix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "gpufleet-XXXXXX").string() + suffix;
  const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("cannot create a temporary file in " + pattern);
  path_ = pattern;
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ::close(fd);
      std::filesystem::remove(path_);
      throw std::runtime_error("cannot write the temporary file " + path_);
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
}

TemporaryFile::~TemporaryFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

}  // namespace gpufleet
