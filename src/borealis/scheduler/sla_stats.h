// SlaStats: refreshes the SLA metrics (core/sla_metrics.h) every window, on a thread of its
// own, from the scheduler's published view, so that the core never waits for them. /vars
// and /metrics read the latest result (docs/metrics.md, "SLA metrics").
//
// Thread contract: latest() and RefreshNow() may be called from any thread; Start() and
// Stop() from the owner.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "borealis/base/clock.h"
#include "borealis/base/metrics.h"
#include "borealis/base/mutex.h"
#include "borealis/core/sla_metrics.h"
#include "borealis/runtime/event_loop.h"
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {

class SlaStats {
 public:
  using ViewSource = std::function<std::shared_ptr<const SchedulerView>()>;
  // `compute_seconds` (may be null) gets the duration of each refresh.
  SlaStats(core::SlaMetricsOptions options, base::Clock& clock, ViewSource view,
           base::Histogram* compute_seconds);
  ~SlaStats();

  // Refreshes once now, then every options.window_ms.
  void Start();
  void Stop();
  // Computes from the current view on the caller's thread and publishes the result.
  void RefreshNow() ABSL_LOCKS_EXCLUDED(mu_);
  std::shared_ptr<const std::vector<core::SlaMetric>> latest() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void ScheduleNext();

  const core::SlaMetricsOptions options_;
  base::Clock& clock_;
  ViewSource view_;
  base::Histogram* compute_seconds_;
  std::unique_ptr<runtime::EventLoop> loop_;
  mutable base::Mutex mu_;
  std::shared_ptr<const std::vector<core::SlaMetric>> latest_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<const std::vector<core::SlaMetric>>();
};

}  // namespace borealis::scheduler
