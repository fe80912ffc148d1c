// Tests for EventLoop: ordering of posts, timers, cancellation and stopping. Waits use
// futures with deadlines, never sleeps.
#include "borealis/runtime/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

namespace borealis::runtime {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);

// Blocks until every closure posted before this call has run.
void Drain(EventLoop& loop) {
  std::promise<void> done;
  auto f = done.get_future();
  ASSERT_TRUE(loop.Post([&] { done.set_value(); }));
  ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
}

TEST(EventLoopTest, PostsRunInOrderOnTheLoopThread) {
  EventLoop loop("order");
  std::vector<int> seen;  // touched only on the loop thread
  std::atomic<int> off_thread{0};
  for (int i = 0; i < 1000; ++i) {
    loop.Post([&, i] {
      if (!loop.IsLoopThread()) off_thread++;
      seen.push_back(i);
    });
  }
  Drain(loop);
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_EQ(off_thread.load(), 0);
  EXPECT_FALSE(loop.IsLoopThread());
}

TEST(EventLoopTest, PostsFromManyThreadsAllRun) {
  EventLoop loop;
  std::atomic<int> count{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) loop.Post([&] { count++; });
    });
  }
  for (auto& t : threads) t.join();
  Drain(loop);
  EXPECT_EQ(count.load(), 2000);
}

TEST(EventLoopTest, TimersFireInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> seen;
  std::promise<void> done;
  auto f = done.get_future();
  loop.RunAfter(60, [&] {
    seen.push_back(3);
    done.set_value();
  });
  loop.RunAfter(20, [&] { seen.push_back(2); });
  loop.RunAfter(0, [&] { seen.push_back(1); });
  ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoopTest, TimersWithTheSameDelayKeepTheirOrder) {
  EventLoop loop;
  std::vector<int> seen;
  std::promise<void> done;
  auto f = done.get_future();
  // Scheduled from the loop thread so that "now" is the same moment for all of them.
  loop.Post([&] {
    for (int i = 0; i < 5; ++i) loop.RunAfter(5, [&, i] { seen.push_back(i); });
    loop.RunAfter(5, [&] { done.set_value(); });
  });
  ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(EventLoopTest, CancelledTimerNeverRuns) {
  EventLoop loop;
  std::atomic<bool> ran{false};
  EventLoop::TimerId id = loop.RunAfter(50, [&] { ran = true; });
  ASSERT_NE(id, 0u);
  EXPECT_TRUE(loop.Cancel(id));
  EXPECT_FALSE(loop.Cancel(id));
  // A later timer firing proves the cancelled one's deadline has passed.
  std::promise<void> done;
  auto f = done.get_future();
  loop.RunAfter(100, [&] { done.set_value(); });
  ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
  EXPECT_FALSE(ran.load());
}

TEST(EventLoopTest, TimerCanRescheduleItself) {
  EventLoop loop;
  std::atomic<int> ticks{0};
  std::promise<void> done;
  auto f = done.get_future();
  std::function<void()> tick = [&] {
    if (++ticks == 5) {
      done.set_value();
    } else {
      loop.RunAfter(1, tick);
    }
  };
  loop.RunAfter(1, tick);
  ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(ticks.load(), 5);
  loop.Stop();
}

TEST(EventLoopTest, PostsAreNotStarvedByZeroDelayTimers) {
  EventLoop loop;
  std::atomic<bool> stop_ticking{false};
  std::function<void()> tick = [&] {
    if (!stop_ticking) loop.RunAfter(0, tick);
  };
  loop.RunAfter(0, tick);
  Drain(loop);  // would hang if timers starved posts
  stop_ticking = true;
  loop.Stop();  // before `tick` goes out of scope
}

TEST(EventLoopTest, StopDropsPendingWorkAndRejectsNewWork) {
  auto loop = std::make_unique<EventLoop>();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  auto entered_f = entered.get_future();
  std::atomic<bool> later_ran{false};
  loop->Post([&] {
    entered.set_value();
    released.wait();
  });
  ASSERT_EQ(entered_f.wait_for(kDeadline), std::future_status::ready);
  loop->Post([&] { later_ran = true; });
  loop->RunAfter(0, [&] { later_ran = true; });
  std::thread stopper([&] { loop->Stop(); });
  // Wait (with a deadline) until Stop() has taken the queue, then release the running task.
  // The bound on iterations is the deadline; no clock is read in tests.
  bool stopped = false;
  for (int i = 0; i < 50'000'000 && !stopped; ++i) {
    stopped = !loop->Post([] {});
    if (!stopped) std::this_thread::yield();
  }
  EXPECT_TRUE(stopped);
  release.set_value();
  stopper.join();
  EXPECT_FALSE(later_ran.load());
  EXPECT_FALSE(loop->Post([] {}));
  EXPECT_EQ(loop->RunAfter(1, [] {}), 0u);
  loop->Stop();  // idempotent
}

TEST(EventLoopTest, StopFromTheLoopThreadDoesNotDeadlock) {
  EventLoop loop;
  std::promise<void> done;
  auto f = done.get_future();
  loop.Post([&] {
    loop.Stop();
    done.set_value();
  });
  ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
  EXPECT_FALSE(loop.Post([] {}));
}  // the destructor joins

TEST(EventLoopTest, ThrowingTaskDoesNotKillTheLoop) {
  EventLoop loop;
  loop.Post([] { throw std::runtime_error("boom"); });
  Drain(loop);
}

}  // namespace
}  // namespace borealis::runtime
