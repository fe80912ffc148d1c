// SchedulerCore's commits: taking a batch, writing it (here or on the Committer's thread),
// releasing it once durable. The protocol is described in scheduler_core.h.
#include <utility>

#include "borealis/scheduler/scheduler_core.h"
#include "borealis/base/status.h"
#include "borealis/scheduler/event_derivation.h"
#include "borealis/scheduler/storage_codec.h"

namespace borealis::scheduler {

std::shared_ptr<const SchedulerView> SchedulerCore::BuildView() {
  auto view = std::make_shared<SchedulerView>();
  view->tasks = state_.tasks();
  const int64_t now = clock_.NowMs();
  view->agents = agents_.Publish(now);
  view->pending_reasons = pending_reasons_.published();
  view->counters = counters_;
  view->quotas = state_.quotas();
  view->tiers = tiers_;
  view->updates = state_.updates().records();
  view->cron_jobs = state_.cron_jobs().all();
  view->host_modes = state_.maintenance().modes();
  view->cron_next_runs = cron_.next_runs();
  return view;
}

std::unique_ptr<SchedulerCore::CommitBatch> SchedulerCore::TakeBatch() {
  auto batch = std::make_unique<CommitBatch>();
  if (!pending_mutations_.empty()) {
    Count("storage_transactions");
    Count("storage_mutations", static_cast<int64_t>(pending_mutations_.size()));
    batch->mutations = std::move(pending_mutations_);
    pending_mutations_ = {};
    // The snapshot is of the state right after this batch (nothing else has changed it
    // yet); written after the batch's record, it replaces the log up to and including it.
    if (++records_since_snapshot_ >= options_.snapshot_every_records) {
      batch->snapshot = EncodeSnapshot(state_, clock_.NowMs());
      batch->snapshot_taken = true;
      records_since_snapshot_ = 0;
    }
  }
  batch->view = BuildView();
  batch->outbox = std::move(outbox_);
  outbox_ = {};
  batch->callbacks = std::move(after_commit_);
  after_commit_ = {};
  if (events_ != nullptr) {
    batch->events = std::move(record_events_);
    record_events_ = {};
    SortRecordEvents(&batch->events);
    batch->host_events = std::move(host_events_);
    host_events_ = {};
  }
  return batch;
}

void SchedulerCore::WriteBatch(CommitBatch& batch) {
  const int64_t t0 = base::RealClock::Get().MonoNowNs();
  if (!batch.mutations.empty()) {
    std::vector<std::string> records{EncodeTransaction(batch.mutations)};
    batch.mutations = {};  // drops the replaced versions of tasks here, off the owner
    batch.status = store_.Append(records);
    batch.seq = store_.last_seq();
  }
  if (batch.status.ok() && batch.snapshot) {
    batch.snapshot_status = store_.WriteSnapshot(*batch.snapshot);
    batch.snapshot.reset();
  }
  if (histograms_.commit_seconds != nullptr) {
    histograms_.commit_seconds->Observe(
        static_cast<double>(base::RealClock::Get().MonoNowNs() - t0) / 1e9);
  }
}

void SchedulerCore::ReleaseBatch(CommitBatch& batch) {
  if (batch.snapshot_taken) {
    if (batch.snapshot_status.ok()) {
      Count("snapshots");
    } else {  // counted, and tried again with the next commit
      Count("snapshot_failures");
      records_since_snapshot_ = options_.snapshot_every_records;
    }
  }
  {
    base::MutexLock l(&view_mu_);
    view_ = std::move(batch.view);
  }
  if (events_ != nullptr) {  // durable now: the stream may tell
    if (batch.seq != 0) events_->PublishRecord(batch.seq, std::move(batch.events));
    events_->PublishUnrecorded(std::move(batch.host_events));
  }
  for (auto& [agent_id, msg] : batch.outbox) {
    if (!transport_.Send(agent_id, msg)) Count("agent_messages_undeliverable");
  }
  batch.outbox = {};
  for (auto& fn : batch.callbacks) fn();
  batch.callbacks = {};
}

absl::Status SchedulerCore::Flush() {
  owner_.Check();
  RETURN_IF_ERROR(FinishCommit());
  std::unique_ptr<CommitBatch> batch = TakeBatch();
  WriteBatch(*batch);
  if (!batch->status.ok()) return batch->status;
  ReleaseBatch(*batch);
  return absl::OkStatus();
}

absl::StatusOr<bool> SchedulerCore::StartCommit(std::function<void()> on_durable) {
  owner_.Check();
  RETURN_IF_ERROR(FinishCommit());
  std::unique_ptr<CommitBatch> batch = TakeBatch();
  if (batch->mutations.empty()) {  // nothing to make durable
    ReleaseBatch(*batch);
    return false;
  }
  if (!committer_) committer_ = std::make_unique<Committer>();
  in_flight_ = std::move(batch);
  committer_->Start([this, b = in_flight_.get()] { WriteBatch(*b); }, std::move(on_durable));
  return true;
}

absl::Status SchedulerCore::FinishCommit() {
  owner_.Check();
  if (!in_flight_) return absl::OkStatus();
  committer_->Wait();
  std::unique_ptr<CommitBatch> batch = std::move(in_flight_);
  if (!batch->status.ok()) return batch->status;
  ReleaseBatch(*batch);
  return absl::OkStatus();
}

std::shared_ptr<const SchedulerView> SchedulerCore::view() const {
  base::MutexLock l(&view_mu_);
  return view_;
}

}  // namespace borealis::scheduler
