#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace gpufleet {

struct SignalSlot;

// Writes a set of files so that a reader sees all of them new or none: each is written to a
// temporary name in the same directory, then all are renamed, once none of the targets is a
// folder. Throws InputError naming the file and the reason; temporaries are removed, also when
// a SIGINT, SIGTERM or SIGHUP ends the process (remove_on_signal).
class AtomicFiles {
 public:
  explicit AtomicFiles(std::string directory);
  ~AtomicFiles();  // removes temporaries not committed
  AtomicFiles(const AtomicFiles&) = delete;
  AtomicFiles& operator=(const AtomicFiles&) = delete;

  void add(const std::string& name, const std::string& content);
  // The content written by `write` as it goes, for a file too large to hold in memory.
  void add(const std::string& name, const std::function<void(std::ostream&)>& write);
  // Removes `name` at commit, after the renames, if it exists: the form of an output this set
  // replaces (jobs.csv when jobs.csv.gz is written), so that a reader never finds both.
  void remove_at_commit(const std::string& name);
  void commit();

 private:
  struct StagedFile {
    std::string tmp;
    std::string final_path;
    SignalSlot* slot;  // in the list of files removed on a signal (remove_on_signal)
  };
  std::string directory_;
  std::vector<StagedFile> staged_;
  std::vector<std::string> removed_;
};

// One file, atomically.
void write_file_atomically(const std::string& path, const std::string& content);
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

}  // namespace gpufleet
