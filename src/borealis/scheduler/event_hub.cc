// The scheduler's event stream hub (see event_hub.h).
#include "borealis/scheduler/event_hub.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace borealis::scheduler {

std::string EventJson(const model::SchedulerEvent& e) {
  nlohmann::ordered_json j;
  j["index"] = e.index;
  j["time"] = e.time_ms;
  j["type"] = e.type;
  if (!e.job.role.empty()) j["job"] = e.job.ToString();
  if (!e.task_id.empty()) j["task_id"] = e.task_id;
  if (e.instance >= 0) j["instance"] = e.instance;
  if (!e.update_id.empty()) j["update_id"] = e.update_id;
  j["status"] = e.status;
  if (!e.message.empty()) j["message"] = e.message;
  if (!e.host.empty()) j["host"] = e.host;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One GET /events stream: the lines its connection has not taken yet.
class EventSubscriber final : public net::ResponseStream {
 public:
  EventSubscriber(core::EventFilter filter, size_t cap) : filter_(std::move(filter)), cap_(cap) {}

  void Open(std::function<void()> wake) override ABSL_LOCKS_EXCLUDED(mu_) {
    bool ready;
    {
      base::MutexLock l(&mu_);
      wake_ = wake;
      ready = !pending_.empty() || done_;
    }
    if (ready) wake();
  }

  std::string Pull(bool* done) override ABSL_LOCKS_EXCLUDED(mu_) {
    base::MutexLock l(&mu_);
    std::string out = std::move(pending_);
    pending_.clear();
    queued_ = 0;
    *done = done_;
    return out;
  }

  void Close() override ABSL_LOCKS_EXCLUDED(mu_) {
    base::MutexLock l(&mu_);
    closed_ = true;
    wake_ = nullptr;
  }

  // Queues the replayed events, however many (the window bounds them).
  void Preload(const std::vector<model::SchedulerEvent>& events) ABSL_LOCKS_EXCLUDED(mu_) {
    base::MutexLock l(&mu_);
    for (const auto& e : events) Append(e);
    queued_ = 0;
  }

  // Queues the events that pass the filter. False when the stream is over (closed, or
  // ended now because its queue was full: *dropped is then set).
  bool Offer(const std::vector<model::SchedulerEvent>& events, bool* dropped)
      ABSL_LOCKS_EXCLUDED(mu_) {
    std::function<void()> wake;
    {
      base::MutexLock l(&mu_);
      if (closed_ || done_) return false;
      bool added = false;
      for (const auto& e : events) {
        if (!filter_.Matches(e)) continue;
        if (queued_ >= cap_) {
          nlohmann::ordered_json j;
          j["type"] = "disconnected";
          j["reason"] = "slow consumer: more than " + std::to_string(cap_) +
                        " events waiting to be sent; resume after resume_index";
          j["resume_index"] = last_index_;
          pending_ += j.dump() + "\n";
          done_ = true;
          *dropped = true;
          added = true;
          break;
        }
        Append(e);
        added = true;
      }
      if (added) wake = wake_;
    }
    if (wake) wake();
    return !*dropped;
  }

 private:
  void Append(const model::SchedulerEvent& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    pending_ += EventJson(e);
    pending_ += '\n';
    ++queued_;
    last_index_ = e.index;
  }

  const core::EventFilter filter_;
  const size_t cap_;
  base::Mutex mu_;
  std::function<void()> wake_ ABSL_GUARDED_BY(mu_);
  std::string pending_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  // The newest event queued: what a dropped client resumes after (events the connection
  // took but had not sent when the client fell behind are sent before the final line).
  uint64_t last_index_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

void EventHub::StartAt(uint64_t first_seq) {
  base::MutexLock l(&mu_);
  window_.StartAt(first_seq);
}

void EventHub::Restarted() {
  base::MutexLock l(&mu_);
  window_.Restarted();
}

void EventHub::PublishRecord(uint64_t seq, std::vector<model::SchedulerEvent> events) {
  base::MutexLock l(&mu_);
  Deliver(window_.AppendRecord(seq, std::move(events)));
}

void EventHub::PublishUnrecorded(std::vector<model::SchedulerEvent> events) {
  if (events.empty()) return;
  base::MutexLock l(&mu_);
  Deliver(window_.AppendUnrecorded(std::move(events)));
}

void EventHub::Deliver(const std::vector<model::SchedulerEvent>& events) {
  if (events.empty()) return;
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    std::shared_ptr<EventSubscriber> sub = it->lock();
    bool dropped = false;
    if (sub == nullptr || !sub->Offer(events, &dropped)) {
      if (dropped) ++dropped_;
      it = subscribers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const Listener& listener : listeners_) listener(events);
}

size_t EventHub::PruneLocked() {
  std::erase_if(subscribers_, [](const std::weak_ptr<EventSubscriber>& w) { return w.expired(); });
  return subscribers_.size();
}

std::variant<std::shared_ptr<net::ResponseStream>, EventHub::Refusal> EventHub::Subscribe(
    core::EventFilter filter, std::optional<uint64_t> after) {
  base::MutexLock l(&mu_);
  if (PruneLocked() >= options_.max_streams) {
    nlohmann::ordered_json j;
    j["error"] = "too many event streams: at most " + std::to_string(options_.max_streams) +
                 " may be open (--event-max-streams)";
    return Refusal{503, j.dump() + "\n"};
  }
  auto sub = std::make_shared<EventSubscriber>(filter, options_.client_queue);
  if (after.has_value()) {
    auto since = window_.Since(*after, filter);
    if (const auto* gone = std::get_if<core::EventWindow::Gone>(&since)) {
      nlohmann::ordered_json j;
      j["error"] = "gone";
      j["message"] = "index " + std::to_string(*after) +
                     " is older than the event window: events after it were dropped; resume "
                     "after first_resumable_index or later";
      j["oldest_index"] = gone->oldest_index;
      j["first_resumable_index"] = gone->first_resumable;
      return Refusal{410, j.dump() + "\n"};
    }
    sub->Preload(std::get<std::vector<model::SchedulerEvent>>(since));
  }
  subscribers_.push_back(sub);
  return std::shared_ptr<net::ResponseStream>(std::move(sub));
}

void EventHub::AddListener(Listener listener) {
  base::MutexLock l(&mu_);
  listeners_.push_back(std::move(listener));
}

size_t EventHub::open_streams() const {
  base::MutexLock l(&mu_);
  size_t n = 0;
  for (const auto& w : subscribers_) n += w.expired() ? 0 : 1;
  return n;
}

uint64_t EventHub::last_index() const {
  base::MutexLock l(&mu_);
  return window_.last_index();
}

int64_t EventHub::slow_consumers_dropped() const {
  base::MutexLock l(&mu_);
  return dropped_;
}

}  // namespace borealis::scheduler
