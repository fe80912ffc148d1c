#include "borealis/state/job_updates.h"

#include <atomic>
#include <utility>

namespace borealis::state {

namespace {
bool IsActive(model::UpdateStatus s) {
  using S = model::UpdateStatus;
  return s == S::kRollingForward || s == S::kRollingBack || s == S::kRollForwardPaused ||
         s == S::kRollBackPaused || s == S::kRollForwardAwaitingPulse ||
         s == S::kRollBackAwaitingPulse;
}

// The summary's state as the events say.
void Summarize(model::JobUpdateDetails& d) {
  model::JobUpdateSummary& s = d.update.summary;
  int64_t first = 0;
  int64_t last = 0;
  if (!d.update_events.empty()) {
    first = d.update_events.front().timestamp_ms;
    last = d.update_events.back().timestamp_ms;
    s.status = d.update_events.back().status;
  }
  if (!d.instance_events.empty()) {
    last = std::max(last, d.instance_events.back().timestamp_ms);
    if (d.update_events.empty()) first = d.instance_events.front().timestamp_ms;
  }
  s.created_ms = first;
  s.last_modified_ms = last;
}
}  // namespace

UpdateRecords& JobUpdateTable::Mutable() {
  if (shared_) {
    records_ = std::make_shared<UpdateRecords>(*records_);
    shared_ = false;
  }
  return *records_;
}

std::shared_ptr<const UpdateRecords> JobUpdateTable::records() const {
  shared_ = true;
  return records_;
}

void JobUpdateTable::Store(std::shared_ptr<model::JobUpdateDetails> d) {
  Restamp(*d);
  const model::JobUpdateKey key = d->update.summary.key;
  Mutable()[key] = std::move(d);
}

void JobUpdateTable::Apply(const SaveJobUpdate& m) {
  auto d = std::make_shared<model::JobUpdateDetails>();
  if (const model::JobUpdateDetails* old = Find(m.update.summary.key)) *d = *old;
  d->update = m.update;
  Store(std::move(d));
}

model::JobUpdateDetails* JobUpdateTable::Edit(const model::JobUpdateKey& key) {
  UpdateRecords& records = Mutable();
  auto it = records.find(key);
  if (it == records.end()) return nullptr;
  // Held by this map alone (no published view has it): change it where it is. Otherwise
  // copy it once; the next events of the same commit then find the copy unshared. Copying
  // on every event made an update's cost grow with the square of its instance events.
  if (it->second.use_count() > 1) {
    it->second = std::make_shared<model::JobUpdateDetails>(*it->second);
  } else {
    // A reader on another thread may have just let go of it: its reads happened before
    // its release of the count, which this pairs with.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  // Created non-const (make_shared<model::JobUpdateDetails>) and now held only here.
  return const_cast<model::JobUpdateDetails*>(it->second.get());
}

void JobUpdateTable::Restamp(model::JobUpdateDetails& d) {
  Summarize(d);
  const model::JobUpdateKey& key = d.update.summary.key;
  auto it = active_.find(key.job);
  if (IsActive(d.update.summary.status)) {
    active_[key.job] = key;
  } else if (it != active_.end() && it->second == key) {
    active_.erase(it);
  }
}

void JobUpdateTable::Apply(const SaveJobUpdateEvent& m) {
  model::JobUpdateDetails* d = Edit(m.key);
  if (d == nullptr) return;
  d->update_events.push_back(m.event);
  Restamp(*d);
}

void JobUpdateTable::Apply(const SaveJobInstanceUpdateEvent& m) {
  model::JobUpdateDetails* d = Edit(m.key);
  if (d == nullptr) return;
  d->instance_events.push_back(m.event);
  Restamp(*d);
}

void JobUpdateTable::Apply(const RemoveJobUpdates& m) {
  for (const model::JobUpdateKey& key : m.keys) {
    if (!records_->contains(key)) continue;
    Mutable().erase(key);
    auto it = active_.find(key.job);
    if (it != active_.end() && it->second == key) active_.erase(it);
  }
}

void JobUpdateTable::Restore(model::JobUpdateDetails details) {
  Store(std::make_shared<model::JobUpdateDetails>(std::move(details)));
}

const model::JobUpdateDetails* JobUpdateTable::Find(const model::JobUpdateKey& key) const {
  auto it = records_->find(key);
  return it == records_->end() ? nullptr : it->second.get();
}

std::optional<model::JobUpdateKey> JobUpdateTable::ActiveUpdate(const model::JobKey& job) const {
  auto it = active_.find(job);
  if (it == active_.end()) return std::nullopt;
  return it->second;
}

}  // namespace borealis::state
