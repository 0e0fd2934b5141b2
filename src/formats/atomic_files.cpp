#include "formats/atomic_files.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "formats/temporary_file.hpp"
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
  for (const auto& file : staged_) {
    fs::remove(file.tmp, ec);
    keep_on_signal(file.slot);
  }
}

void AtomicFiles::add(const std::string& name, const std::string& content) {
  add(name, [&](std::ostream& out) { out << content; });
}

void AtomicFiles::add(const std::string& name, const std::function<void(std::ostream&)>& write) {
  const fs::path final_path = fs::path(directory_.empty() ? "." : directory_) / name;
  const std::string tmp = final_path.string() + ".tmp." + std::to_string(::getpid());
  // Staged before writing, so that the destructor, or a SIGINT or SIGTERM, removes a
  // half-written temporary too.
  staged_.push_back({tmp, final_path.string(), remove_on_signal(tmp)});
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

void AtomicFiles::remove_at_commit(const std::string& name) {
  removed_.push_back((fs::path(directory_.empty() ? "." : directory_) / name).string());
}

void AtomicFiles::commit() {
  // Every target is checked before any is replaced: one that cannot be would leave a mix of
  // old and new files.
  for (const auto& file : staged_) {
    std::error_code ec;
    if (fs::is_directory(file.final_path, ec))
      throw InputError(file.final_path, "", "cannot write: a folder has this name",
                       "move the folder away or choose another output");
  }
  // A SIGINT or SIGTERM now waits until every file is renamed: killed halfway, the folder
  // would hold some new files beside old ones.
  const SignalsDeferred deferred;
  while (!staged_.empty()) {
    const StagedFile& file = staged_.front();
    std::error_code ec;
    fs::rename(file.tmp, file.final_path, ec);
    if (ec)
      throw InputError(file.final_path, "", "cannot write: " + ec.message(),
                       "check the folder's permissions and free space");
    keep_on_signal(file.slot);
    staged_.erase(staged_.begin());
  }
  for (const auto& path : removed_) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec) && !fs::remove(path, ec))
      throw InputError(path, "", "cannot remove the older form of this output: " + ec.message(),
                       "remove it by hand: readers would find two versions of the file");
  }
  removed_.clear();
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
