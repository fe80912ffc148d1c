// CronScheduler: runs the stored cron templates (state::CronJobs) when their schedule says
// (docs/aurora-compatibility.md, "Cron jobs").
//
// A run inserts a PENDING task for every instance of the template
// (ComponentContext::InsertPendingTasks), an ordinary job whose tasks show like any other.
// When the job still has active tasks, core::CronCollision decides: KILL_EXISTING kills them
// ("Killed by cronScheduler") and launches once all are terminal, looking again with a
// backoff (start_initial_backoff_ms, doubling up to start_max_backoff_ms); CANCEL_NEW skips
// the run. A trigger while a run waits for the old tasks is ignored.
//
// State: each template's next fire time and the runs waiting for old tasks to end. Nothing
// of it is stored: the next fire times are computed from the templates the state holds (on
// the first call after a restart, and whenever the templates change), from the time of
// that call, so runs missed while no scheduler was up are not replayed. A run waiting for
// its kills when the scheduler stops is forgotten (the kills go on).
//
// Thread contract: the owner's thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "borealis/core/cron.h"
#include "borealis/model/job_key.h"
#include "borealis/scheduler/component.h"
#include "borealis/state/cron_jobs.h"

namespace borealis::scheduler {

struct CronOptions {
  absl::TimeZone zone = absl::UTCTimeZone();  // -cron_timezone
  int64_t start_initial_backoff_ms = 5'000;   // -cron_start_initial_backoff
  int64_t start_max_backoff_ms = 60'000;      // -cron_start_max_backoff
};

// job key → when its template fires next (ms since the epoch), for readers.
using CronNextRuns = std::map<model::JobKey, int64_t>;

class CronScheduler {
 public:
  explicit CronScheduler(CronOptions options) : options_(std::move(options)) {}

  // Fires the templates that are due and launches the waiting runs whose old tasks ended.
  void Tick(int64_t now, ComponentContext& ctx);
  // Fires `job`'s template now (startCronJob), with the same collision logic. False when
  // there is no template of `job`.
  bool Trigger(const model::JobKey& job, int64_t now, ComponentContext& ctx);
  // Takes in template changes (saved, replaced, removed) made since the last call: a new
  // or changed schedule gets its next fire time from `now`.
  void Sync(int64_t now, ComponentContext& ctx);

  // The next fire times, after the last Sync; shared with readers, never changed in place.
  const std::shared_ptr<const CronNextRuns>& next_runs() const { return next_runs_; }
  bool waiting(const model::JobKey& job) const { return waiting_.contains(job); }

 private:
  struct Waiting {
    int64_t check_ms = 0;    // when to look at the old tasks again
    int64_t backoff_ms = 0;  // the wait after that look
  };
  struct Entry {
    std::string schedule;        // the expression the fire time was computed from
    std::optional<int64_t> next_ms;
  };
  void Run(const model::JobKey& job, int64_t now, ComponentContext& ctx);
  void Launch(const model::JobConfiguration& job, ComponentContext& ctx);
  std::optional<int64_t> NextAfter(const std::string& schedule, int64_t after_ms) const;
  void Publish();

  CronOptions options_;
  std::shared_ptr<const state::CronJobMap> seen_;  // the templates Sync last took in
  std::map<model::JobKey, Entry> entries_;
  std::map<model::JobKey, Waiting> waiting_;
  std::shared_ptr<const CronNextRuns> next_runs_ = std::make_shared<const CronNextRuns>();
};

}  // namespace borealis::scheduler
