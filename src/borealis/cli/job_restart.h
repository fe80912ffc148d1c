// `job restart`: Aurora 0.22's client-driven rolling restart (docs/aurora-compatibility.md,
// "job restart"). The client restarts the instances batch by batch through restartShards
// and watches each batch: an instance counts once its new task has been RUNNING for
// --watch-secs; one whose RUNNING task is replaced by another (it died and was
// rescheduled) has failed and is restarted again while it is within
// --max-per-instance-failures; more than --max-total-failures instances past that limit
// stop the restart. Nothing runs on the scheduler's side between batches: interrupting
// the command stops the restart.
//
// The pure pieces (the batch watcher, the failure threshold, the progress text) are here
// for tests; JobRestart drives them against a scheduler. Thread contract: the caller's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "borealis/cli/context.h"
#include "gen-cpp/api_types.h"

namespace CLI {
class App;
}  // namespace CLI

namespace borealis::cli {

struct JobRestartOptions {
  std::string spec;  // CLUSTER/ROLE/ENV/NAME[/INSTANCES]
  int batch_size = 1;
  int watch_secs = 30;
  int max_per_instance_failures = 0;
  int max_total_failures = 0;
  int healthcheck_interval_seconds = 3;
  bool force = false;  // accepted for Aurora's grammar; restart asks nothing to confirm
  bool strict = false;
  std::string config_file;  // --config: loaded and checked to name the job
  bool read_json = false;
  std::vector<std::string> binds;
};

absl::Status JobRestart(CliContext& ctx, const JobRestartOptions& options);

// Adds `restart` to the `job` noun; choosing it sets `action`.
void AddRestartVerb(CLI::App* job, CliContext& ctx, JobRestartOptions& options,
                    std::function<absl::Status()>& action);

// Aurora's instance watcher for one batch. Each poll passes the RUNNING tasks of the
// batch's instances. An instance's first RUNNING task is remembered; once it has been seen
// RUNNING for more than `watch_ms` it is healthy; a RUNNING task with another id means the
// remembered one died, and the instance has failed. An instance never seen RUNNING is
// waited for.
class BatchWatch {
 public:
  BatchWatch(std::set<int32_t> instances, int64_t watch_ms)
      : instances_(std::move(instances)), watch_ms_(watch_ms) {}

  // One poll at `now_ms`; appends progress lines to `log`.
  void Observe(int64_t now_ms, const std::vector<api::ScheduledTask>& running,
               std::vector<std::string>* log);
  // Every instance is healthy or failed.
  bool Done() const;
  // The failed instances, ascending (meaningful once Done()).
  std::vector<int32_t> Failed() const;

 private:
  struct Seen {
    std::string task_id;
    int64_t first_ms = 0;
    bool finished = false;
    bool healthy = false;
  };
  std::set<int32_t> instances_;
  int64_t watch_ms_;
  std::map<int32_t, Seen> seen_;
};

// Aurora's failure threshold: failures counted per instance; an instance that failed
// more than `max_per_instance` times is exceeded, and more than `max_total` exceeded
// instances fail the restart.
class RestartFailures {
 public:
  RestartFailures(int max_per_instance, int max_total)
      : max_per_instance_(max_per_instance), max_total_(max_total) {}
  void Add(const std::vector<int32_t>& failed);
  // The instance may be tried again: it has not failed more than the per-instance limit.
  bool MayRetry(int32_t instance) const;
  bool Exceeded() const;
  // "2 failed instances observed, maximum allowed is 0", then one line per exceeded
  // instance, as Aurora's client logs them.
  std::vector<std::string> Describe() const;

 private:
  int ExceededCount() const;
  int max_per_instance_;
  int max_total_;
  std::map<int32_t, int> failures_;
};

// Python's list notation, as Aurora's progress lines print instance lists: "[0, 1, 2]".
std::string PyList(const std::vector<int32_t>& ids);

}  // namespace borealis::cli
