#include "runtime/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace gpufleet {

ProgressBar::ProgressBar(std::string label, double total)
    : label_(std::move(label)), total_(total), tty_(::isatty(STDERR_FILENO) != 0) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::update(double done) {
  // Reading the clock on every simulation event would cost more than the bar is worth.
  if (++calls_ % 64 != 0) return;
  const auto now = Clock::now();
  if (now - start_ < std::chrono::seconds(2)) return;
  const double fraction = total_ > 0 ? std::clamp(done / total_, 0.0, 1.0) : 1.0;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const int width = 30, filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r%s [%s%s] %5.1f%%  %.0f s", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 100 * fraction, elapsed);
  } else {
    const int decile = static_cast<int>(fraction * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %3d%% after %.0f s\n", label_.c_str(), decile * 10, elapsed);
  }
  std::fflush(stderr);
  shown_ = true;
}

void ProgressBar::finish() {
  if (shown_ && tty_)
    std::fprintf(stderr, "\r%s done in %.1f s%30s\n", label_.c_str(),
                 std::chrono::duration<double>(Clock::now() - start_).count(), "");
  shown_ = false;
}

}  // namespace gpufleet
