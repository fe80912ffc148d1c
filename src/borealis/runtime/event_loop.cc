// EventLoop implementation: a mutex-guarded FIFO of posts and a deadline-ordered multimap
// of timers, drained by one thread that sleeps on a condition variable.
#include "borealis/runtime/event_loop.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "borealis/base/clock.h"
#include "borealis/base/log.h"

namespace borealis::runtime {
namespace {

int64_t MonoNowNs() { return base::RealClock::Get().MonoNowNs(); }

// Runs one closure; a library exception must not take the loop thread down.
void RunGuarded(const std::string& loop_name, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    LOG_ERROR("event loop '{}': task threw: {}", loop_name, e.what());
  } catch (...) {
    LOG_ERROR("event loop '{}': task threw a non-standard exception", loop_name);
  }
}

}  // namespace

EventLoop::EventLoop(std::string name) : name_(std::move(name)) {
  base::MutexLock l(&mu_);  // publishes thread_id_ before any IsLoopThread()
  thread_ = std::thread([this] { Run(); });
  thread_id_ = thread_.get_id();
  // Thread names are limited to 15 characters; a failure here is harmless.
  pthread_setname_np(thread_.native_handle(), name_.substr(0, 15).c_str());
}

EventLoop::~EventLoop() { Stop(); }

bool EventLoop::Post(std::function<void()> fn) {
  {
    base::MutexLock l(&mu_);
    if (stopping_) return false;
    posted_.push_back(std::move(fn));
  }
  cv_.Signal();
  return true;
}

EventLoop::TimerId EventLoop::RunAfter(int64_t delay_ms, std::function<void()> fn) {
  const int64_t deadline = MonoNowNs() + std::max<int64_t>(delay_ms, 0) * 1'000'000;
  TimerId id;
  {
    base::MutexLock l(&mu_);
    if (stopping_) return 0;
    id = next_timer_id_++;
    auto it = timers_.emplace(deadline, Timer{id, std::move(fn)});
    timer_index_.emplace(id, it);
  }
  cv_.Signal();
  return id;
}

bool EventLoop::Cancel(TimerId id) {
  std::function<void()> doomed;  // destroyed outside the lock
  base::MutexLock l(&mu_);
  auto it = timer_index_.find(id);
  if (it == timer_index_.end()) return false;
  doomed = std::move(it->second->second.fn);
  timers_.erase(it->second);
  timer_index_.erase(it);
  return true;
}

void EventLoop::Stop() {
  std::deque<std::function<void()>> dropped_posts;
  std::multimap<int64_t, Timer> dropped_timers;
  {
    base::MutexLock l(&mu_);
    stopping_ = true;
    dropped_posts.swap(posted_);
    dropped_timers.swap(timers_);
    timer_index_.clear();
  }
  cv_.SignalAll();
  if (IsLoopThread()) return;
  base::MutexLock j(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool EventLoop::IsLoopThread() const { return std::this_thread::get_id() == thread_id_; }

size_t EventLoop::PendingForTest() const {
  base::MutexLock l(&mu_);
  return posted_.size() + timers_.size();
}

void EventLoop::Run() {
  {
    base::MutexLock l(&mu_);  // waits until the constructor set thread_id_
  }
  mu_.Lock();
  while (!stopping_) {
    // One due timer, then one post: neither kind can starve the other.
    std::function<void()> timer_fn;
    std::function<void()> post_fn;
    int64_t wait_ns = -1;  // -1: nothing scheduled, wait for a post
    if (!timers_.empty()) {
      auto first = timers_.begin();
      const int64_t now = MonoNowNs();
      if (first->first <= now) {
        timer_fn = std::move(first->second.fn);
        timer_index_.erase(first->second.id);
        timers_.erase(first);
      } else {
        wait_ns = first->first - now;
      }
    }
    if (!posted_.empty()) {
      post_fn = std::move(posted_.front());
      posted_.pop_front();
    }
    if (!timer_fn && !post_fn) {
      if (wait_ns < 0) {
        cv_.Wait(&mu_);
      } else {
        cv_.WaitFor(&mu_, std::chrono::nanoseconds(wait_ns));
      }
      continue;
    }
    mu_.Unlock();
    if (timer_fn) RunGuarded(name_, timer_fn);
    timer_fn = nullptr;  // captured state dies outside the lock
    // A Stop() from inside the timer must keep the post from running.
    bool run_post = static_cast<bool>(post_fn);
    if (run_post) {
      base::MutexLock g(&mu_);
      run_post = !stopping_;
    }
    if (run_post) RunGuarded(name_, post_fn);
    post_fn = nullptr;
    mu_.Lock();
  }
  mu_.Unlock();
}

}  // namespace borealis::runtime
