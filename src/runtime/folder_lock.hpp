#pragma once

#include <string>

namespace gpufleet {

// One writer per folder: an exclusive flock(2) on DIR/study.lock, which holds the pid of the
// process that holds it. The kernel drops the lock however the process ends (kill -9 too), so
// a lock file left by a dead process is free to take: no stale lock to clear by hand. The
// descriptor is close-on-exec: the runs a study starts do not hold its lock.
class FolderLock {
 public:
  // Creates DIR if needed and takes the lock. Throws std::invalid_argument naming the folder,
  // the pid of the process that holds it and the fix when another process holds it, and
  // when the folder or its lock file cannot be made.
  explicit FolderLock(const std::string& dir);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

// Removes the temporaries ("NAME.tmp.PID", formats/atomic_files.hpp) under DIR whose process
// is no longer alive: left by a kill -9 (no handler runs) while inputs or outputs were being
// staged. Call it with the folder's lock held. Returns how many it removed.
long remove_stale_temporaries(const std::string& dir);

}  // namespace gpufleet
