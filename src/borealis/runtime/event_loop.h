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

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"

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
  bool Post(std::function<void()> fn) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs `fn` on the loop thread once `delay_ms` (clamped to >= 0) have passed. Returns the
  // timer's id, or 0 after Stop().
  TimerId RunAfter(int64_t delay_ms, std::function<void()> fn) ABSL_LOCKS_EXCLUDED(mu_);

  // Cancels a timer that has not started to run yet. Returns true if it was removed.
  bool Cancel(TimerId id) ABSL_LOCKS_EXCLUDED(mu_);

  // Ends the loop: the closure running now finishes, pending posts and timers are dropped
  // (destroyed on the calling thread or the loop thread), and the thread is joined unless
  // Stop() is called on the loop thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_, join_mu_);

  // True when called from the loop thread.
  bool IsLoopThread() const;

  const std::string& name() const { return name_; }

  // Posts and timers waiting to run (for metrics and tests).
  size_t PendingForTest() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Timer {
    TimerId id;
    std::function<void()> fn;
  };

  void Run() ABSL_LOCKS_EXCLUDED(mu_);

  const std::string name_;
  mutable base::Mutex mu_;
  base::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::function<void()>> posted_ ABSL_GUARDED_BY(mu_);
  std::multimap<int64_t, Timer> timers_ ABSL_GUARDED_BY(mu_);  // deadline (mono ns) -> timer
  std::map<TimerId, std::multimap<int64_t, Timer>::iterator> timer_index_ ABSL_GUARDED_BY(mu_);
  TimerId next_timer_id_ ABSL_GUARDED_BY(mu_) = 1;
  base::Mutex join_mu_;                           // serialises joining thread_
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);  // started by the constructor
  // Written once by the constructor under mu_, read without a lock afterwards (Run()
  // takes mu_ once before it starts, which publishes it to the loop thread).
  std::thread::id thread_id_;
};

}  // namespace borealis::runtime
