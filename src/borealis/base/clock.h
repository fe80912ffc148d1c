// Time is injected. Everything that needs "now" takes a Clock&; only RealClock
// (real_clock.cc) and apps/ read the machine's clocks, so tests and the simulator
// drive time with ManualClock.
#pragma once

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"

namespace borealis::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time, milliseconds since the Unix epoch (what TaskEvent timestamps hold).
  virtual int64_t NowMs() const = 0;
  // Monotonic time in nanoseconds, for durations and deadlines.
  virtual int64_t MonoNowNs() const = 0;
};

// The machine's clocks. The only Clock that reads real time.
class RealClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t MonoNowNs() const override;
  static RealClock& Get();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 1'600'000'000'000) : now_ms_(now_ms) {}
  int64_t NowMs() const override {
    MutexLock l(&mu_);
    return now_ms_;
  }
  int64_t MonoNowNs() const override {
    MutexLock l(&mu_);
    return mono_ns_;
  }
  void AdvanceMs(int64_t ms) {
    MutexLock l(&mu_);
    now_ms_ += ms;
    mono_ns_ += ms * 1'000'000;
  }

 private:
  mutable Mutex mu_;
  int64_t now_ms_ ABSL_GUARDED_BY(mu_);
  int64_t mono_ns_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace borealis::base
