// ChangeWaiter: how a command that waits for a job's tasks or update (job create
// --wait-until, job kill, update wait, update start --wait) pauses between looks. It
// follows the scheduler's event stream for the job (GET /events, docs/events.md) and wakes
// as soon as an event of the job arrives; when the stream cannot be opened, or breaks, it
// falls back to pausing a fixed interval (polling), and says so with --verbose.
//
// Open it before the first look: an event that comes between that look and the wait is
// kept by the stream, so no change is missed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "borealis/cli/context.h"
#include "borealis/cli/scheduler_client.h"
#include "borealis/model/job_key.h"
#include "borealis/net/http_line_stream.h"

namespace borealis::cli {

class ChangeWaiter {
 public:
  // `types`: the event types to wake on, comma-separated ("task", "update,update_instance").
  ChangeWaiter(CliContext& ctx, const SchedulerClient& client, const model::JobKey& job,
               const std::string& types, int64_t poll_ms);
  // Returns once an event came (after taking every event already there), or after at most
  // `max_ms`; when polling, after the poll interval.
  void Wait(int64_t max_ms);
  bool streaming() const { return stream_ != nullptr; }

 private:
  void FallBack(const std::string& why);

  CliContext& ctx_;
  const int64_t poll_ms_;
  std::unique_ptr<net::HttpLineStream> stream_;
};

}  // namespace borealis::cli
