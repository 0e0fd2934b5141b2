#include "scheduler/waiting_queue.hpp"

#include <stdexcept>

namespace gpufleet {

void WaitingQueue::insert(int job, long key) {
  if (contains(job)) throw std::logic_error("WaitingQueue: job is already waiting");
  order_.insert({key, job});
  key_of_[job] = key;
}

bool WaitingQueue::erase(int job) {
  if (!contains(job)) return false;
  order_.erase(key_of_[job]);
  key_of_[job] = kAbsent;
  return true;
}

std::vector<int> WaitingQueue::to_vector() const {
  std::vector<int> jobs;
  jobs.reserve(order_.size());
  for (const auto& [key, job] : order_) jobs.push_back(job);
  return jobs;
}

}  // namespace gpufleet
