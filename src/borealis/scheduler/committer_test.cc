// The Committer runs one job at a time off the owner's thread; Wait and the destructor wait
// for it.
#include "borealis/scheduler/committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace borealis::scheduler {
namespace {

TEST(CommitterTest, WaitWithoutAJobReturnsAtOnce) {
  Committer c;
  EXPECT_FALSE(c.busy());
  c.Wait();
  EXPECT_FALSE(c.busy());
}

TEST(CommitterTest, RunsTheJobOffTheOwnerThreadThenItsFollowUp) {
  Committer c;
  std::thread::id job_thread;
  std::promise<bool> then_saw_job_done;
  bool job_done = false;
  c.Start(
      [&] {
        job_thread = std::this_thread::get_id();
        job_done = true;
      },
      [&] { then_saw_job_done.set_value(job_done); });
  EXPECT_TRUE(c.busy());
  c.Wait();  // the job's writes are visible after Wait
  EXPECT_FALSE(c.busy());
  EXPECT_TRUE(job_done);
  EXPECT_NE(job_thread, std::this_thread::get_id());
  EXPECT_TRUE(then_saw_job_done.get_future().get());
}

TEST(CommitterTest, JobsRunInOrderOnOneThread) {
  Committer c;
  std::vector<int> order;
  std::thread::id first, second;
  c.Start([&] { order.push_back(1); first = std::this_thread::get_id(); }, {});
  c.Wait();
  c.Start([&] { order.push_back(2); second = std::this_thread::get_id(); }, {});
  c.Wait();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(first, second);
}

// The job is held until the test's other thread lets it go, which it does only once the
// job has started: the destructor, called meanwhile, must wait for it.
TEST(CommitterTest, DestructorWaitsForTheJobInFlight) {
  std::atomic<bool> done{false};
  std::promise<void> started, release;
  std::thread releaser([&] {
    started.get_future().wait();
    release.set_value();
  });
  {
    Committer c;
    c.Start(
        [&] {
          started.set_value();
          release.get_future().wait();
          done = true;
        },
        {});
  }
  EXPECT_TRUE(done);
  releaser.join();
}

}  // namespace
}  // namespace borealis::scheduler
