#include "borealis/scheduler/committer.h"

#include <utility>

namespace borealis::scheduler {

Committer::~Committer() {
  {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return !has_job_ && !running_; });
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Committer::Start(std::function<void()> job, std::function<void()> then) {
  {
    std::lock_guard<std::mutex> l(mu_);
    job_ = std::move(job);
    then_ = std::move(then);
    has_job_ = true;
  }
  started_ = true;
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  cv_.notify_all();
}

void Committer::Wait() {
  if (!started_) return;
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return !has_job_ && !running_; });
  started_ = false;
}

void Committer::Loop() {
  for (;;) {
    std::function<void()> job, then;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return has_job_ || stop_; });
      if (!has_job_) return;  // stopping, nothing left
      job = std::move(job_);
      then = std::move(then_);
      has_job_ = false;
      running_ = true;
    }
    job();
    job = nullptr;  // its captures go before the owner may reuse what they point to
    {
      std::lock_guard<std::mutex> l(mu_);
      running_ = false;
    }
    cv_.notify_all();
    if (then) then();
  }
}

}  // namespace borealis::scheduler
