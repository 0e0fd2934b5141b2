#pragma once

#include <cstddef>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <iterator>
#include <vector>

namespace gpufleet {

// Training jobs waiting to start, in queue order. A year of an overloaded fleet queues
// hundreds of thousands of jobs and starts them one by one, from anywhere in the queue (a
// backfill) or the head (FIFO), and puts preempted jobs back at the head: each of these is
// O(log n) here, where a vector's erase moved the whole queue (the year's largest cost).
// Not copyable: take to_vector() when a pass must iterate while it starts jobs.
class WaitingQueue {
  // Position key -> job, a red-black tree that also counts each subtree's nodes (GCC's
  // policy-based tree), so that a job's position is O(log n): backfilling plans the queue in
  // chunks of positions and looks only at the jobs that fit.
  using Order = __gnu_pbds::tree<long, int, std::less<long>, __gnu_pbds::rb_tree_tag,
                                 __gnu_pbds::tree_order_statistics_node_update>;

 public:
  class const_iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = int;
    using difference_type = std::ptrdiff_t;
    using pointer = const int*;
    using reference = const int&;

    const_iterator() = default;
    explicit const_iterator(Order::const_iterator it) : it_(it) {}
    reference operator*() const { return it_->second; }
    const_iterator& operator++() {
      ++it_;
      return *this;
    }
    const_iterator operator++(int) { return const_iterator(it_++); }
    const_iterator& operator--() {
      --it_;
      return *this;
    }
    const_iterator operator--(int) { return const_iterator(it_--); }
    bool operator==(const const_iterator& o) const { return it_ == o.it_; }

   private:
    Order::const_iterator it_;
  };

  explicit WaitingQueue(std::size_t jobs) : key_of_(jobs, kAbsent) {}
  WaitingQueue(const WaitingQueue&) = delete;
  WaitingQueue& operator=(const WaitingQueue&) = delete;

  void push_back(int job) { insert(job, next_back_++); }
  void push_front(int job) { insert(job, next_front_--); }
  // False if the job is not waiting.
  bool erase(int job);
  bool contains(int job) const { return key_of_[job] != kAbsent; }
  // Orders the waiting jobs as the queue does (smaller first); valid while the job waits.
  long key_of(int job) const { return key_of_[job]; }
  // How many jobs wait ahead of this one (0: the head). O(log n).
  std::size_t position(int job) const { return order_.order_of_key(key_of_[job]); }

  bool empty() const { return order_.empty(); }
  std::size_t size() const { return order_.size(); }
  int front() const { return order_.begin()->second; }
  const_iterator begin() const { return const_iterator(order_.begin()); }
  const_iterator end() const { return const_iterator(order_.end()); }
  std::vector<int> to_vector() const;
  // The first waiting job whose key is above `key` (-1 if none): a reader that remembers the
  // key of the last job it saw goes on in queue order while jobs start meanwhile.
  int first_after(long key) const {
    const auto it = order_.upper_bound(key);
    return it == order_.end() ? -1 : it->second;
  }

 private:
  static constexpr long kAbsent = 0x7fffffffffffffffL;
  void insert(int job, long key);

  Order order_;
  std::vector<long> key_of_;  // per job; kAbsent when not waiting
  long next_back_ = 0;
  long next_front_ = -1;
};

}  // namespace gpufleet
