#include "scheduler/waiting_merge.hpp"

#include <algorithm>

namespace gpufleet {

void WaitingMerge::add(const Run& run) {
  if (run.at == run.end || !alive_(run)) return;
  runs_.push_back(run);
  push(static_cast<int>(runs_.size()) - 1);
}

// Earliest key on top; ties (the same job in two runs) by run, so that the order never depends
// on the heap's.
void WaitingMerge::push(int run) {
  heap_.push_back(run);
  std::push_heap(heap_.begin(), heap_.end(),
                 [this](int a, int b) { return key(a) > key(b) || (key(a) == key(b) && a > b); });
}

int WaitingMerge::pop() {
  std::pop_heap(heap_.begin(), heap_.end(),
                [this](int a, int b) { return key(a) > key(b) || (key(a) == key(b) && a > b); });
  const int run = heap_.back();
  heap_.pop_back();
  return run;
}

void WaitingMerge::advance(int run) {
  if (++runs_[run].at != runs_[run].end) push(run);
}

std::optional<int> WaitingMerge::next() {
  while (!heap_.empty()) {
    const int r = pop();
    if (!alive_(runs_[r])) continue;  // dropped for the rest of the pass
    const auto [key_of_job, job] = *runs_[r].at;
    const Run run = runs_[r];
    advance(r);
    if (fits_ && !fits_(run, job)) continue;  // another pool's run may take it
    while (!heap_.empty() && key(heap_.front()) == key_of_job) advance(pop());
    return job;
  }
  return std::nullopt;
}

}  // namespace gpufleet
