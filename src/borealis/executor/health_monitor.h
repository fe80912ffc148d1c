// Aurora's attempt-based health check algorithm (docs/aurora-compatibility.md) as a pure state
// machine. The executor asks when the next check is due, runs the probe at the edge
// and feeds each result back; the monitor says when the task became healthy (report
// RUNNING) or unhealthy (kill it, FAILED with the reason).
//
// Rules: the first check is due at Start(), each next one interval_ms after the
// previous result. grace_attempts = ceil(initial_interval / interval); failures among
// the first grace_attempts attempts, before the task is healthy, are not counted. The
// task is healthy after min_consecutive_successes successes in a row; it must get
// there within grace_attempts + max_consecutive_failures + min_consecutive_successes
// attempts, and fails as soon as the attempts left cannot supply the successes still
// needed. Once counted, more than max_consecutive_failures failures in a row make it
// unhealthy. A success resets the failure run and a failure the success run. A
// snoozed check (the `.healthchecksnooze` file exists) counts as a success.
//
// Time comes from the Clock given (monotonic). Not thread-safe; one owner calls it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "borealis/base/clock.h"

namespace borealis::executor {

struct HealthPolicy {
  int64_t initial_interval_ms = 15'000;
  int64_t interval_ms = 10'000;
  int max_consecutive_failures = 0;
  int min_consecutive_successes = 1;  // values below 1 count as 1
};

class HealthMonitor {
 public:
  enum class State { kIdle, kStarting, kHealthy, kUnhealthy };
  enum class Change { kNone, kBecameHealthy, kBecameUnhealthy };

  HealthMonitor(HealthPolicy policy, const base::Clock& clock);

  // Begins checking; the first check is due now.
  void Start();
  // Stops checking for good (the task is being killed or has ended).
  void Stop();

  // True when a check should start now (none in flight, not stopped or decided bad).
  bool CheckDue() const;
  // When the next check is due (monotonic ms), if one is expected at all.
  std::optional<int64_t> NextCheckMs() const;
  // The edge started a probe.
  void OnCheckStarted();
  // A probe finished: `healthy`, or failed for `reason`.
  Change OnCheckResult(bool healthy, const std::string& reason);
  // The check was skipped because the snooze file exists: counts as a success.
  Change OnSnoozed();

  State state() const { return state_; }
  // Why the task became unhealthy ("" until then).
  const std::string& failure_reason() const { return failure_reason_; }
  int attempts() const { return attempts_; }
  int grace_attempts() const { return grace_attempts_; }
  int max_attempts_to_healthy() const { return max_attempts_to_healthy_; }

 private:
  int64_t MonoMs() const;
  Change Record(bool healthy, const std::string& reason);

  HealthPolicy policy_;
  const base::Clock& clock_;
  int grace_attempts_ = 0;
  int max_attempts_to_healthy_ = 0;
  State state_ = State::kIdle;
  bool stopped_ = false;
  bool in_flight_ = false;
  int64_t next_check_ms_ = 0;
  int attempts_ = 0;
  int consecutive_successes_ = 0;
  int consecutive_failures_ = 0;
  std::string failure_reason_;
};

}  // namespace borealis::executor
