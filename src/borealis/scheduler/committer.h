// Committer: the thread that makes the scheduler's commits durable while the core's owner
// goes on handling events (the pipelined commit of scheduler_core.h).
//
// It runs one job at a time: Start hands it a job, Wait blocks until that job has
// returned. `then` runs on the committer's thread after the job, once Wait would no longer
// block; the daemon uses it to post "commit durable" back to its loop.
//
// Thread contract: Start, Wait and busy are called by one owner thread. The destructor
// waits for the job in flight and stops the thread.
#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"

namespace borealis::scheduler {

class Committer {
 public:
  Committer() = default;
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Runs `job`, then `then` (may be empty), on the committer's thread. Precondition: no
  // job in flight (busy() is false). The thread starts on the first call.
  void Start(std::function<void()> job, std::function<void()> then) ABSL_LOCKS_EXCLUDED(mu_);
  // Returns once the job in flight, if any, has returned.
  void Wait() ABSL_LOCKS_EXCLUDED(mu_);
  // A job was started and Wait has not yet returned for it.
  bool busy() const { return started_; }

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  base::Mutex mu_;
  base::CondVar cv_;
  std::function<void()> job_ ABSL_GUARDED_BY(mu_);   // the next job, until the thread takes it
  std::function<void()> then_ ABSL_GUARDED_BY(mu_);  // and what runs after it
  bool has_job_ ABSL_GUARDED_BY(mu_) = false;        // job_ is set and not yet taken
  bool running_ ABSL_GUARDED_BY(mu_) = false;        // taken and not yet returned
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ = false;  // owner's side: Start called, Wait not yet returned since
  std::thread thread_;
};

}  // namespace borealis::scheduler
