#include "formats/atomic_files.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/input_error.hpp"

namespace gpufleet {

namespace fs = std::filesystem;

AtomicFiles::AtomicFiles(std::string directory) : directory_(std::move(directory)) {
  std::error_code ec;
  fs::create_directories(directory_.empty() ? "." : directory_, ec);
  if (ec)
    throw InputError(directory_, "", "cannot create the output folder: " + ec.message(),
                     "choose another output folder, or move away what has its name");
}

AtomicFiles::~AtomicFiles() {
  std::error_code ec;
  for (const auto& [tmp, final_path] : staged_) fs::remove(tmp, ec);
}

void AtomicFiles::add(const std::string& name, const std::string& content) {
  add(name, [&](std::ostream& out) { out << content; });
}

void AtomicFiles::add(const std::string& name, const std::function<void(std::ostream&)>& write) {
  const fs::path final_path = fs::path(directory_.empty() ? "." : directory_) / name;
  const std::string tmp = final_path.string() + ".tmp." + std::to_string(::getpid());
  // Staged before writing, so that the destructor removes a half-written temporary too.
  staged_.emplace_back(tmp, final_path.string());
  errno = 0;
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  write(out);
  out.close();
  if (!out)
    throw InputError(
        final_path.string(), "",
        std::string("cannot write: ") + (errno != 0 ? std::strerror(errno) : "the write failed"),
        "check the folder's permissions and free space");
}

void AtomicFiles::commit() {
  // Every target is checked before any is replaced: one that cannot be would leave a mix of
  // old and new files.
  for (const auto& [tmp, final_path] : staged_) {
    std::error_code ec;
    if (fs::is_directory(final_path, ec))
      throw InputError(final_path, "", "cannot write: a folder has this name",
                       "move the folder away or choose another output");
  }
  for (const auto& [tmp, final_path] : staged_) {
    std::error_code ec;
    fs::rename(tmp, final_path, ec);
    if (ec)
      throw InputError(final_path, "", "cannot write: " + ec.message(),
                       "check the folder's permissions and free space");
  }
  staged_.clear();
}

void write_file_atomically(const std::string& path, const std::string& content) {
  write_file_atomically(path, [&](std::ostream& out) { out << content; });
}

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  const fs::path p(path);
  AtomicFiles files(p.has_parent_path() ? p.parent_path().string() : ".");
  files.add(p.filename().string(), write);
  files.commit();
}

}  // namespace gpufleet
