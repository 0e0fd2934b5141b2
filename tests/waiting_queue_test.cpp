#include "scheduler/waiting_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "sim/training_task.hpp"

namespace gpufleet::test {
namespace {

TEST(WaitingQueue, KeepsArrivalOrderWithPreemptedJobsAtTheHead) {
  WaitingQueue queue(10);
  for (int job : {3, 1, 4, 5}) queue.push_back(job);
  queue.push_front(9);  // preempted: back at the head
  queue.push_front(2);  // preempted later: ahead of it
  EXPECT_EQ(queue.to_vector(), (std::vector<int>{2, 9, 3, 1, 4, 5}));
  EXPECT_EQ(queue.front(), 2);
  EXPECT_EQ(queue.size(), 6u);
}

TEST(WaitingQueue, ErasesFromAnywhereAndSaysWhenTheJobIsNotWaiting) {
  WaitingQueue queue(10);
  for (int job : {0, 1, 2, 3}) queue.push_back(job);
  EXPECT_TRUE(queue.erase(2));
  EXPECT_TRUE(queue.erase(0));
  EXPECT_FALSE(queue.erase(0));
  EXPECT_FALSE(queue.contains(2));
  EXPECT_EQ(std::vector<int>(queue.begin(), queue.end()), (std::vector<int>{1, 3}));
  queue.push_back(2);  // waiting again, now last
  EXPECT_EQ(queue.to_vector(), (std::vector<int>{1, 3, 2}));
  EXPECT_THROW(queue.push_back(3), std::logic_error);
}

TEST(WaitingQueue, KnowsEachJobsPosition) {
  WaitingQueue queue(10);
  for (int job : {3, 1, 4, 5}) queue.push_back(job);
  queue.push_front(9);
  EXPECT_EQ(queue.position(9), 0u);
  EXPECT_EQ(queue.position(4), 3u);
  queue.erase(1);
  EXPECT_EQ(queue.position(4), 2u);
  EXPECT_LT(queue.key_of(9), queue.key_of(3));
}

TEST(TrainingPhases, OneInsideADomainAndNoneShorterThanTheMinimum) {
  constexpr double kHour = 3600;
  EXPECT_EQ(training_phases(1000000, 1, 500 * kHour, 8, 12 * kHour), 1);  // one domain
  EXPECT_EQ(training_phases(10000, 2, 3 * kHour, 8, 12 * kHour), 1);      // a fine-tune
  EXPECT_EQ(training_phases(10000, 4, 30 * kHour, 8, 12 * kHour), 2);     // 2 x 15 h
  EXPECT_EQ(training_phases(100000, 20, 240 * kHour, 8, 12 * kHour), 8);  // capped
  EXPECT_EQ(training_phases(3, 20, 240 * kHour, 8, 12 * kHour), 3);       // by its steps
}

// A job spanning domains whose last compute phase has ended is done only once its last ring
// exchange is: between the end of its compute and the start of its ring's comms (a simcall
// each), the walltime check must not find it done (it escaped its walltime kill that way).
TEST(TrainingProgress, TheLastExchangeNotYetStartedIsNotDone) {
  TrainingProgress progress;
  progress.phases = 2;
  progress.phases_done = 1;
  progress.domains = 2;
  progress.ring_bytes = 1e9;
  progress.exchanging = true;  // the compute is over, no comm of the ring started yet
  EXPECT_FALSE(progress.done_within_rounding());
  progress.exchanging = false;
  progress.phases_done = 2;
  EXPECT_TRUE(progress.done_within_rounding());
}

}  // namespace
}  // namespace gpufleet::test
