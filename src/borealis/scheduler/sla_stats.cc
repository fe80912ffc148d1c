#include "borealis/scheduler/sla_stats.h"

#include <utility>

namespace borealis::scheduler {

SlaStats::SlaStats(core::SlaMetricsOptions options, base::Clock& clock, ViewSource view,
                   base::Histogram* compute_seconds)
    : options_(std::move(options)),
      clock_(clock),
      view_(std::move(view)),
      compute_seconds_(compute_seconds) {}

SlaStats::~SlaStats() { Stop(); }

void SlaStats::Start() {
  loop_ = std::make_unique<runtime::EventLoop>("sla-stats");
  loop_->Post([this] {
    RefreshNow();
    ScheduleNext();
  });
}

void SlaStats::Stop() {
  if (loop_) loop_->Stop();
}

void SlaStats::ScheduleNext() {
  loop_->RunAfter(options_.window_ms, [this] {
    RefreshNow();
    ScheduleNext();
  });
}

void SlaStats::RefreshNow() {
  std::shared_ptr<const SchedulerView> view = view_();
  if (!view || !view->tasks) return;  // nothing published yet
  const int64_t t0 = clock_.MonoNowNs();
  std::vector<const model::Task*> tasks;
  tasks.reserve(view->tasks->size());
  for (const auto& [id, t] : *view->tasks) tasks.push_back(t.get());
  auto result = std::make_shared<const std::vector<core::SlaMetric>>(
      core::ComputeSlaMetrics(tasks, clock_.NowMs(), options_));
  if (compute_seconds_ != nullptr) {
    compute_seconds_->Observe(static_cast<double>(clock_.MonoNowNs() - t0) / 1e9);
  }
  base::MutexLock l(&mu_);
  latest_ = std::move(result);
}

std::shared_ptr<const std::vector<core::SlaMetric>> SlaStats::latest() const {
  base::MutexLock l(&mu_);
  return latest_;
}

}  // namespace borealis::scheduler
