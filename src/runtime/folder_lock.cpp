#include "runtime/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace gpufleet {

namespace fs = std::filesystem;

namespace {

std::string read_pid(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string pid;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; ++i) pid += text[i];
  return pid;
}

// The pid of a temporary's name ("summary.json.tmp.1234"), or 0 when it is not one.
long temporary_pid(const std::string& name) {
  const auto at = name.rfind(".tmp.");
  if (at == std::string::npos || at + 5 >= name.size()) return 0;
  long pid = 0;
  for (size_t i = at + 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 1'000'000'000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

bool alive(long pid) {
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

FolderLock::FolderLock(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw std::invalid_argument("--out " + dir + ": cannot create the folder: " + ec.message() +
                                "; choose another --out");
  const std::string path = (fs::path(dir) / "study.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::invalid_argument("--out " + dir + ": cannot open " + path + ": " +
                                std::strerror(errno) + "; check the folder's permissions");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string pid = read_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      throw std::invalid_argument(
          "--out " + dir + ": another study" + (pid.empty() ? "" : " (pid " + pid + ")") +
          " is writing into this folder; wait for it to end, or choose another --out");
    throw std::invalid_argument("--out " + dir + ": cannot lock " + path + ": " +
                                std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid: the pid only makes the refusal's message better.
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // the lock goes with the descriptor; the file stays
}

long remove_stale_temporaries(const std::string& dir) {
  long removed = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const long pid = temporary_pid(it->path().filename().string());
    std::error_code type_ec;
    if (pid <= 0 || alive(pid) || !it->is_regular_file(type_ec)) continue;
    std::error_code rm_ec;
    removed += fs::remove(it->path(), rm_ec) ? 1 : 0;
  }
  return removed;
}

}  // namespace gpufleet
