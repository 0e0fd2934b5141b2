#include "formats/temporary_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace gpufleet {

// A path to remove on a signal (remove_on_signal).
struct SignalSlot {
  std::atomic<bool> in_use{false};
  size_t capacity = 0;
  std::unique_ptr<char[]> path;
  SignalSlot* next = nullptr;  // set before the slot is linked, never changed
};

namespace {

// The paths to remove on a signal. A handler may only call async-signal-safe functions: no
// allocation, no locks. So the list only grows, outside the handler: a slot is allocated
// whole, then linked in front; a freed slot is reused for a later path that fits, and is
// never deallocated. The handler walks it as it stands; a slot counts (in_use) only once its
// path is whole. Its length is the most temporaries ever alive at once.
std::atomic<SignalSlot*> first_slot{nullptr};
static_assert(std::atomic<bool>::is_always_lock_free, "read in a signal handler");
static_assert(std::atomic<SignalSlot*>::is_always_lock_free, "read in a signal handler");
std::mutex slots_mutex;  // between threads taking slots; the handler never takes it
constexpr int kCleanedSignals[] = {SIGINT, SIGTERM, SIGHUP};

// While a SignalsDeferred lives, the handler only notes the signal: it may run on any thread,
// so blocking the signal in the renaming thread alone would not hold it.
std::atomic<int> deferring{0};
std::atomic<int> deferred_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "read in a signal handler");

void remove_registered_and_die(int signal_number) {
  if (deferring.load() > 0) {
    deferred_signal.store(signal_number);
    return;
  }
  const int saved_errno = errno;
  for (const SignalSlot* slot = first_slot.load(); slot != nullptr; slot = slot->next)
    if (slot->in_use.load()) ::unlink(slot->path.get());
  // Die of the same signal, so that the parent sees what happened (exit status 128 + n).
  struct sigaction dflt {};
  dflt.sa_handler = SIG_DFL;
  sigemptyset(&dflt.sa_mask);
  ::sigaction(signal_number, &dflt, nullptr);
  errno = saved_errno;
  ::raise(signal_number);
}

// Whether each signal was ignored when gpufleet first looked (nohup, a background job without
// job control): such a signal stays ignored, even after a library changed its handler.
bool was_ignored[std::size(kCleanedSignals)];

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (size_t i = 0; i < std::size(kCleanedSignals); ++i) {
      struct sigaction old {};
      ::sigaction(kCleanedSignals[i], nullptr, &old);
      was_ignored[i] = old.sa_handler == SIG_IGN;
    }
  });
  struct sigaction action {};
  action.sa_handler = remove_registered_and_die;
  action.sa_flags = SA_RESTART;  // a deferred signal returns: no system call fails with EINTR
  sigemptyset(&action.sa_mask);
  for (int s : kCleanedSignals) sigaddset(&action.sa_mask, s);  // one cleanup at a time
  for (size_t i = 0; i < std::size(kCleanedSignals); ++i)
    if (!was_ignored[i]) ::sigaction(kCleanedSignals[i], &action, nullptr);
}

std::once_flag installed_once;

}  // namespace

SignalSlot* remove_on_signal(const std::string& path) {
  // On the first registration: a program that never writes keeps the default handlers.
  std::call_once(installed_once, install_handlers);
  const std::lock_guard lock(slots_mutex);
  SignalSlot* slot = first_slot.load();
  while (slot != nullptr && (slot->in_use.load() || slot->capacity <= path.size()))
    slot = slot->next;
  if (slot == nullptr) {
    auto fresh = std::make_unique<SignalSlot>();
    fresh->capacity = std::max<size_t>(path.size() + 1, 256);
    fresh->path = std::make_unique<char[]>(fresh->capacity);
    fresh->next = first_slot.load();
    slot = fresh.release();  // lives until the process ends: a handler may be reading it
    first_slot.store(slot);
  }
  std::memcpy(slot->path.get(), path.c_str(), path.size() + 1);
  slot->in_use.store(true);  // sequentially consistent: the path before the flag
  return slot;
}

void take_back_cleanup_signals() {
  install_handlers();
}

void keep_on_signal(SignalSlot* slot) {
  if (slot != nullptr) slot->in_use.store(false);
}

TemporaryFile::TemporaryFile(const std::string& content, const std::string& suffix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "gpufleet-XXXXXX").string() + suffix;
  const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("cannot create a temporary file in " + pattern);
  path_ = pattern;
  slot_ = remove_on_signal(path_);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ::close(fd);
      std::filesystem::remove(path_);
      keep_on_signal(slot_);
      throw std::runtime_error("cannot write the temporary file " + path_);
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
}

TemporaryFile::~TemporaryFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
  keep_on_signal(slot_);
}

SignalsDeferred::SignalsDeferred() {
  ++deferring;
}

SignalsDeferred::~SignalsDeferred() {
  if (--deferring == 0) {
    const int signal_number = deferred_signal.exchange(0);
    if (signal_number != 0) remove_registered_and_die(signal_number);
  }
}

}  // namespace gpufleet
