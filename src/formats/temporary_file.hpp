#pragma once

#include <string>

namespace gpufleet {

// A file with this content under the system's temporary directory, removed when the object
// goes. Throws std::runtime_error if it cannot be written.
class TemporaryFile {
 public:
  TemporaryFile(const std::string& content, const std::string& suffix);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace gpufleet
