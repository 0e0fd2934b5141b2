#include "formats/atomic_files.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace gpufleet {

namespace fs = std::filesystem;

AtomicFiles::AtomicFiles(std::string directory) : directory_(std::move(directory)) {
  std::error_code ec;
  fs::create_directories(directory_.empty() ? "." : directory_, ec);
  if (ec)
    throw std::runtime_error("cannot create output directory '" + directory_ +
                             "': " + ec.message());
}

AtomicFiles::~AtomicFiles() {
  std::error_code ec;
  for (const auto& [tmp, final_path] : staged_) fs::remove(tmp, ec);
}

void AtomicFiles::add(const std::string& name, const std::string& content) {
  const fs::path final_path = fs::path(directory_.empty() ? "." : directory_) / name;
  const std::string tmp = final_path.string() + ".tmp." + std::to_string(::getpid());
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write '" + final_path.string() + "'");
  staged_.emplace_back(tmp, final_path.string());
}

void AtomicFiles::commit() {
  for (const auto& [tmp, final_path] : staged_) {
    std::error_code ec;
    fs::rename(tmp, final_path, ec);
    if (ec) throw std::runtime_error("cannot write '" + final_path + "': " + ec.message());
  }
  staged_.clear();
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const fs::path p(path);
  AtomicFiles files(p.has_parent_path() ? p.parent_path().string() : ".");
  files.add(p.filename().string(), content);
  files.commit();
}

}  // namespace gpufleet
