#pragma once

#include <chrono>
#include <string>

namespace gpufleet {

// A progress bar on stderr for long runs: silent for the first two seconds, then redrawn at
// most ten times a second (one line per 10% when stderr is not a terminal).
class ProgressBar {
 public:
  ProgressBar(std::string label, double total);
  ~ProgressBar();
  void update(double done);
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  double total_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
  bool tty_;
  bool shown_ = false;
  int last_decile_ = -1;
  long calls_ = 0;
};

}  // namespace gpufleet
