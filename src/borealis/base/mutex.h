// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with Clang's
// thread-safety annotations, so that members marked ABSL_GUARDED_BY(mu_) and functions
// marked ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) are checked at compile time
// (`make check-threads`). libstdc++'s std::mutex carries no annotations, and absl::Mutex
// as Debian builds it runs a lock-order deadlock detector on every acquisition (a global
// graph, several times slower uncontended), so these wrap the standard types instead:
// the locking behaviour is exactly std::mutex's.
//
// A condition wait written as a loop (`while (!ready_) cv_.Wait(&mu_);`) is checked like
// any other code under the lock. A predicate lambda is analysed as a function of its own:
// start it with `mu_.AssertHeld();` (a no-op at run time) to tell the analysis the lock is
// held there.
//
// Thread contract: Mutex and CondVar are as thread-safe as the standard types they wrap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace borealis::base {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  // For the analysis only: states that the caller holds the lock (no run-time check).
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases `mu`, waits for a signal (or a spurious wake-up), takes `mu` again.
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> l(mu->mu_, std::adopt_lock);
    cv_.wait(l);
    l.release();  // `mu` stays held, as the caller expects
  }
  // Wait() for at most `timeout`. True when it ended by the timeout.
  template <typename Rep, typename Period>
  bool WaitFor(Mutex* mu, std::chrono::duration<Rep, Period> timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> l(mu->mu_, std::adopt_lock);
    const bool timed_out = cv_.wait_for(l, timeout) == std::cv_status::timeout;
    l.release();
    return timed_out;
  }
  // Waits until `done()` (called with `mu` held) is true or `timeout` passed; returns
  // `done()`'s last answer, as std::condition_variable::wait_for does.
  template <typename Rep, typename Period, typename Predicate>
  bool WaitFor(Mutex* mu, std::chrono::duration<Rep, Period> timeout, Predicate done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> l(mu->mu_, std::adopt_lock);
    const bool result = cv_.wait_for(l, timeout, std::move(done));
    l.release();
    return result;
  }

  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace borealis::base
