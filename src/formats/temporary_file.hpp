#pragma once

#include <string>

namespace gpufleet {

struct SignalSlot;  // a path to remove on a signal (remove_on_signal)

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
  SignalSlot* slot_ = nullptr;
};

// Files to remove if a SIGINT, SIGTERM or SIGHUP ends the process: the handler, installed at
// the first call, unlinks them and then dies of the signal as the process would have. Call it
// before creating the file, and keep_on_signal with the slot it returns once the file is
// renamed or removed. Any number of paths of any length may be registered at once.
SignalSlot* remove_on_signal(const std::string& path);
void keep_on_signal(SignalSlot* slot);

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
