#include "borealis/scheduler/committer.h"

#include <utility>

namespace borealis::scheduler {

Committer::~Committer() {
  {
    base::MutexLock l(&mu_);
    while (has_job_ || running_) cv_.Wait(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void Committer::Start(std::function<void()> job, std::function<void()> then) {
  {
    base::MutexLock l(&mu_);
    job_ = std::move(job);
    then_ = std::move(then);
    has_job_ = true;
  }
  started_ = true;
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  cv_.SignalAll();
}

void Committer::Wait() {
  if (!started_) return;
  base::MutexLock l(&mu_);
  while (has_job_ || running_) cv_.Wait(&mu_);
  started_ = false;
}

void Committer::Loop() {
  for (;;) {
    std::function<void()> job, then;
    {
      base::MutexLock l(&mu_);
      while (!has_job_ && !stop_) cv_.Wait(&mu_);
      if (!has_job_) return;  // stopping, nothing left
      job = std::move(job_);
      then = std::move(then_);
      has_job_ = false;
      running_ = true;
    }
    job();
    job = nullptr;  // its captures go before the owner may reuse what they point to
    {
      base::MutexLock l(&mu_);
      running_ = false;
    }
    cv_.SignalAll();
    if (then) then();
  }
}

}  // namespace borealis::scheduler
