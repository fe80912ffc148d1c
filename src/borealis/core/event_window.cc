// The event stream's window (see event_window.h).
#include "borealis/core/event_window.h"

#include <algorithm>
#include <utility>

namespace borealis::core {
namespace {

bool PassesSet(const std::set<std::string>& allowed, const std::string& value) {
  return allowed.empty() || allowed.contains(value);
}

}  // namespace

bool EventFilter::Matches(const model::SchedulerEvent& e) const {
  const bool has_job = !e.job.role.empty();
  if (!jobs.empty() && !(has_job && jobs.contains(e.job.ToString()))) return false;
  if (!roles.empty() && !(has_job && roles.contains(e.job.role))) return false;
  return PassesSet(hosts, e.host) && PassesSet(types, e.type);
}

void EventWindow::StartAt(uint64_t first_seq) {
  events_.clear();
  floor_ = first_seq <= 1 ? 0 : (first_seq << model::kEventSeqShift) - 1;
  last_ = floor_;
}

void EventWindow::Restarted() {
  const uint64_t record_base = last_ & ~((uint64_t{1} << model::kEventSeqShift) - 1);
  const uint64_t half = uint64_t{1} << (model::kEventSeqShift - 1);
  last_ = std::max(last_, record_base | half);
}

std::vector<model::SchedulerEvent> EventWindow::AppendRecord(
    uint64_t seq, std::vector<model::SchedulerEvent> events) {
  uint64_t next = seq << model::kEventSeqShift;
  for (model::SchedulerEvent& e : events) {
    e.index = std::max(next++, last_ + 1);  // never below an index given before
    Keep(e);
  }
  // Host events after this record continue in its range.
  if (events.empty()) last_ = std::max(last_, (seq << model::kEventSeqShift));
  return events;
}

std::vector<model::SchedulerEvent> EventWindow::AppendUnrecorded(
    std::vector<model::SchedulerEvent> events) {
  for (model::SchedulerEvent& e : events) {
    e.index = last_ + 1;
    Keep(e);
  }
  return events;
}

void EventWindow::Keep(model::SchedulerEvent e) {
  last_ = e.index;
  events_.push_back(std::move(e));
  while (events_.size() > capacity_) {
    floor_ = events_.front().index;
    events_.pop_front();
  }
}

std::variant<std::vector<model::SchedulerEvent>, EventWindow::Gone> EventWindow::Since(
    uint64_t after, const EventFilter& filter) const {
  if (after < floor_) {
    return Gone{events_.empty() ? 0 : events_.front().index, floor_};
  }
  auto it = std::upper_bound(
      events_.begin(), events_.end(), after,
      [](uint64_t i, const model::SchedulerEvent& e) { return i < e.index; });
  std::vector<model::SchedulerEvent> out;
  for (; it != events_.end(); ++it) {
    if (filter.Matches(*it)) out.push_back(*it);
  }
  return out;
}

}  // namespace borealis::core
