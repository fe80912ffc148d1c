// CronJobs: the stored cron templates (Aurora's saveCronJob / removeJob storage ops), one
// JobConfiguration per job key. A template has no tasks of its own; each run inserts the
// PENDING tasks of an ordinary job (docs/aurora-compatibility.md, "Cron jobs").
//
// The templates are kept as one immutable map shared with read views: a change copies the
// map (small: one entry per cron job), so a view taken before it keeps the old one and
// publishing a view with no change is a pointer copy.
//
// Thread contract: owned by ClusterState, on its owner's thread; all() may be handed to
// readers on any thread, it never changes.
#pragma once

#include <map>
#include <memory>

#include "borealis/model/job_configuration.h"
#include "borealis/model/job_key.h"

namespace borealis::state {

// Inserts or replaces the cron template of `job.key`.
struct SaveCronJob {
  model::JobConfiguration job;
};
// Removes the cron template of `job` (the log's RemoveJob op); an unknown job is ignored.
struct RemoveCronJob {
  model::JobKey job;
};

using CronJobMap = std::map<model::JobKey, std::shared_ptr<const model::JobConfiguration>>;

class CronJobs {
 public:
  void Apply(const SaveCronJob& m) {
    auto next = std::make_shared<CronJobMap>(*jobs_);
    (*next)[m.job.key] = std::make_shared<const model::JobConfiguration>(m.job);
    jobs_ = std::move(next);
  }
  void Apply(const RemoveCronJob& m) {
    if (!jobs_->contains(m.job)) return;
    auto next = std::make_shared<CronJobMap>(*jobs_);
    next->erase(m.job);
    jobs_ = std::move(next);
  }
  // The template of `job`, or null.
  const model::JobConfiguration* Find(const model::JobKey& job) const {
    auto it = jobs_->find(job);
    return it == jobs_->end() ? nullptr : it->second.get();
  }
  // Every template, by job key; never changes once handed out.
  const std::shared_ptr<const CronJobMap>& all() const { return jobs_; }

 private:
  std::shared_ptr<const CronJobMap> jobs_ = std::make_shared<const CronJobMap>();
};

}  // namespace borealis::state
