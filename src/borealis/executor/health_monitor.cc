// The health check algorithm (see health_monitor.h).
#include "borealis/executor/health_monitor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace borealis::executor {

HealthMonitor::HealthMonitor(HealthPolicy policy, const base::Clock& clock)
    : policy_(policy), clock_(clock) {
  policy_.min_consecutive_successes = std::max(1, policy_.min_consecutive_successes);
  policy_.max_consecutive_failures = std::max(0, policy_.max_consecutive_failures);
  policy_.interval_ms = std::max<int64_t>(0, policy_.interval_ms);
  policy_.initial_interval_ms = std::max<int64_t>(0, policy_.initial_interval_ms);
  if (policy_.interval_ms > 0) {
    grace_attempts_ = static_cast<int>((policy_.initial_interval_ms + policy_.interval_ms - 1) /
                                       policy_.interval_ms);
  } else {
    grace_attempts_ = policy_.initial_interval_ms > 0 ? 1 : 0;
  }
  max_attempts_to_healthy_ =
      grace_attempts_ + policy_.max_consecutive_failures + policy_.min_consecutive_successes;
}

int64_t HealthMonitor::MonoMs() const { return clock_.MonoNowNs() / 1'000'000; }

void HealthMonitor::Start() {
  if (state_ != State::kIdle || stopped_) return;
  state_ = State::kStarting;
  next_check_ms_ = MonoMs();
}

void HealthMonitor::Stop() { stopped_ = true; }

bool HealthMonitor::CheckDue() const {
  auto next = NextCheckMs();
  return next && MonoMs() >= *next;
}

std::optional<int64_t> HealthMonitor::NextCheckMs() const {
  if (stopped_ || in_flight_) return std::nullopt;
  if (state_ != State::kStarting && state_ != State::kHealthy) return std::nullopt;
  return next_check_ms_;
}

void HealthMonitor::OnCheckStarted() { in_flight_ = true; }

HealthMonitor::Change HealthMonitor::OnCheckResult(bool healthy, const std::string& reason) {
  return Record(healthy, reason);
}

HealthMonitor::Change HealthMonitor::OnSnoozed() { return Record(true, ""); }

HealthMonitor::Change HealthMonitor::Record(bool healthy, const std::string& reason) {
  in_flight_ = false;
  next_check_ms_ = MonoMs() + policy_.interval_ms;
  if (stopped_ || (state_ != State::kStarting && state_ != State::kHealthy)) {
    return Change::kNone;
  }
  ++attempts_;
  if (healthy) {
    ++consecutive_successes_;
    consecutive_failures_ = 0;
    if (state_ == State::kStarting &&
        consecutive_successes_ >= policy_.min_consecutive_successes) {
      state_ = State::kHealthy;
      return Change::kBecameHealthy;
    }
  } else {
    consecutive_successes_ = 0;
    bool in_grace = state_ == State::kStarting && attempts_ <= grace_attempts_;
    if (!in_grace && ++consecutive_failures_ > policy_.max_consecutive_failures) {
      state_ = State::kUnhealthy;
      failure_reason_ = reason;
      return Change::kBecameUnhealthy;
    }
  }
  if (state_ == State::kStarting) {
    int left = max_attempts_to_healthy_ - attempts_;
    int needed = policy_.min_consecutive_successes - consecutive_successes_;
    if (needed > left) {
      state_ = State::kUnhealthy;
      failure_reason_ = absl::StrCat("not healthy after ", attempts_, " attempt(s)");
      if (!healthy && !reason.empty()) absl::StrAppend(&failure_reason_, ": ", reason);
      return Change::kBecameUnhealthy;
    }
  }
  return Change::kNone;
}

}  // namespace borealis::executor
