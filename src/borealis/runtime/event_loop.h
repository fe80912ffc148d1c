// EventLoop: one thread that runs posted closures one at a time, in the order they were
// posted, plus one-shot timers. This is how a daemon gets "one writer": everything that
// touches the owned state is posted here.
//
// Invariants: closures run on the loop thread only, never concurrently; posts run in FIFO
// order; a timer runs no earlier than its delay, timers due at the same moment run in the
// order they were scheduled; when both are ready the loop alternates one due timer and one
// post, so neither starves the other. Timers use the machine's monotonic clock (runtime is an edge module); code
// that must be replayable takes a base::Clock and uses its own deadlines instead.
//
// Thread contract: every method may be called from any thread, including the loop thread.
// Stop() called on the loop thread only asks the loop to end; the thread is joined by the
// destructor (or a later Stop() from another thread). Destroying the EventLoop on its own
// thread is a programming error.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace borealis::runtime {

class EventLoop {
 public:
  using TimerId = uint64_t;  // 0 is never a valid timer

  // Starts the loop thread. `name` shows up in logs and as the thread name.
  explicit EventLoop(std::string name = "event-loop");
  ~EventLoop();  // Stop()

  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Queues `fn` to run on the loop thread. Returns false (and drops `fn`) after Stop().
  bool Post(std::function<void()> fn);

  // Runs `fn` on the loop thread once `delay_ms` (clamped to >= 0) have passed. Returns the
  // timer's id, or 0 after Stop().
  TimerId RunAfter(int64_t delay_ms, std::function<void()> fn);

  // Cancels a timer that has not started to run yet. Returns true if it was removed.
  bool Cancel(TimerId id);

  // Ends the loop: the closure running now finishes, pending posts and timers are dropped
  // (destroyed on the calling thread or the loop thread), and the thread is joined unless
  // Stop() is called on the loop thread. Idempotent.
  void Stop();

  // True when called from the loop thread.
  bool IsLoopThread() const;

  const std::string& name() const { return name_; }

  // Posts and timers waiting to run (for metrics and tests).
  size_t PendingForTest() const;

 private:
  struct Timer {
    TimerId id;
    std::function<void()> fn;
  };

  void Run();

  const std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                         // guarded by mu_
  std::deque<std::function<void()>> posted_;      // guarded by mu_
  std::multimap<int64_t, Timer> timers_;          // deadline (mono ns) -> timer; guarded by mu_
  std::map<TimerId, std::multimap<int64_t, Timer>::iterator> timer_index_;  // guarded by mu_
  TimerId next_timer_id_ = 1;                     // guarded by mu_
  std::mutex join_mu_;                            // serialises joining thread_
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace borealis::runtime
