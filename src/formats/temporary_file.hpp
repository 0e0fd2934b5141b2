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
  int slot_ = -1;
};

// Files to remove if a SIGINT, SIGTERM or SIGHUP ends the process: the handler, installed at
// the first call, unlinks them and then dies of the signal as the process would have. Returns
// a slot for keep_on_signal, or -1 when the path could not be taken (64 at a time, each under
// 4096 bytes). Call it before creating the file, keep_on_signal once it is renamed or removed.
int remove_on_signal(const std::string& path);
void keep_on_signal(int slot);

// Installs that handler again, after a library put its own in place: SimGrid's engine takes
// SIGINT and calls exit(1), which left the temporaries behind.
void take_back_cleanup_signals();

// Holds back the cleanup of a SIGINT, SIGTERM or SIGHUP while it lives, in every thread: a
// step that must not be cut halfway (renaming a set of outputs) finishes, then the signal
// takes effect.
class SignalsDeferred {
 public:
  SignalsDeferred();
  ~SignalsDeferred();
  SignalsDeferred(const SignalsDeferred&) = delete;
  SignalsDeferred& operator=(const SignalsDeferred&) = delete;
};

}  // namespace gpufleet
