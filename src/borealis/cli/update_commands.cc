// The `update` noun's commands (update_commands.h); the pure pieces are in update_format.cc.
#include "borealis/cli/update_commands.h"

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/change_waiter.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_plan.h"
#include "borealis/cli/job_config.h"
#include "borealis/cli/job_key.h"
#include "borealis/cli/job_open.h"
#include "borealis/model/job_configuration.h"
#include "borealis/wire/convert.h"

namespace borealis::cli {
namespace {

// How often `--wait` and `update wait` ask for the update's status.
constexpr int64_t kWaitPollMs = 1000;

absl::Status Fail(absl::Status status, ExitCode code) { return WithExitCode(status, code); }

// Prefixes an API failure with what was being done, keeping its exit code.
absl::Status ApiFailure(const absl::Status& status, const std::string& what) {
  return WithExitCode(absl::Status(status.code(), absl::StrCat(what, " ", status.message())),
                      static_cast<ExitCode>(ExitCodeFor(status)));
}

// A random (version 4) UUID for the client's update id metadata.
std::string NewUuid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen(), lo = gen();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

api::JobUpdateKey UpdateKeyOf(const ClusterJobKey& job, const std::string& id) {
  api::JobUpdateKey key;
  key.job = wire::ToThrift(job.job);
  key.id = id;
  return key;
}

api::Metadata Meta(const std::string& key, const std::string& value) {
  api::Metadata m;
  m.key = key;
  m.value = value;
  return m;
}

absl::StatusOr<api::JobUpdateRequest> BuildRequest(const UpdateStartOptions& o,
                                                   const InstanceSpec& spec,
                                                   model::JobConfiguration* model_job) {
  ConfigFileOptions file{o.config_file, o.read_json, o.binds};
  ASSIGN_OR_RETURN(config::JobSpec job, LoadConfigJob(file, spec.key));
  if (!job.cron_schedule.empty()) {
    return Fail(absl::FailedPreconditionError(
                    "Cron jobs may only be updated with \"borealis cron schedule\" command"),
                kExitCommandFailure);
  }
  ASSIGN_OR_RETURN(*model_job, ToModelJob(job, o.config_file));
  std::set<api::Metadata> metadata = {Meta(kClientUpdateIdKey, NewUuid())};
  if (o.canary > 0) {
    metadata.insert(Meta(kCanaryKey, absl::StrCat(o.canary)));
    if (o.auto_promote_after_secs >= 0) {
      metadata.insert(Meta(kCanaryAutoPromoteKey, absl::StrCat(o.auto_promote_after_secs)));
    }
  }
  return BuildUpdateRequest(job, *model_job, spec.instances, metadata, o.config_file);
}

absl::Status CheckStartOptions(const UpdateStartOptions& o) {
  if (o.canary < 0) {
    return Fail(absl::InvalidArgumentError("--canary must be a positive number of instances"),
                kExitInvalidParameter);
  }
  if (o.auto_promote_after_secs != -1 && o.canary == 0) {
    return Fail(absl::InvalidArgumentError("--auto-promote-after applies only with --canary N"),
                kExitInvalidParameter);
  }
  if (o.auto_promote_after_secs < -1) {
    return Fail(absl::InvalidArgumentError("--auto-promote-after must not be negative"),
                kExitInvalidParameter);
  }
  return absl::OkStatus();
}

// Polls the update until it is terminal, printing each new status as Aurora does.
// "Instances done: N of M" for an update: the instances with a final event of their
// direction (updated or rolled back, or failed) among those the update touches.
std::string InstanceProgress(const api::JobUpdateDetails& d) {
  std::set<int32_t> instances;
  auto add = [&](const std::set<api::Range>& ranges) {
    for (const api::Range& r : ranges) {
      for (int64_t i = r.first; i <= r.last && instances.size() < 100000; ++i) {
        instances.insert(static_cast<int32_t>(i));
      }
    }
  };
  for (const api::InstanceTaskConfig& c : d.update.instructions.initialState) add(c.instances);
  add(d.update.instructions.desiredState.instances);
  std::set<int32_t> done;
  for (const api::JobInstanceUpdateEvent& e : d.instanceEvents) {
    if (e.action != api::JobUpdateAction::INSTANCE_UPDATING &&
        e.action != api::JobUpdateAction::INSTANCE_ROLLING_BACK) {
      done.insert(e.instanceId);
    }
  }
  return absl::StrCat("Instances done: ", done.size(), " of ", instances.size());
}

absl::Status WaitForUpdate(CliContext& ctx, SchedulerClient& client, const api::JobUpdateKey& key,
                           bool rolling_back) {
  std::string progress;  // the last progress line printed (on stderr: stdout is Aurora's)
  api::JobUpdateQuery query;
  query.__set_key(key);
  std::optional<api::JobUpdateStatus::type> current;
  ChangeWaiter waiter(ctx, client, wire::FromThrift(key.job), "update,update_instance",
                      kWaitPollMs);  // before the first look
  while (true) {
    ASSIGN_OR_RETURN(std::vector<api::JobUpdateSummary> summaries,
                     client.GetJobUpdateSummaries(query));
    if (summaries.empty()) {
      return Fail(absl::NotFoundError("Job update not found."), kExitInvalidParameter);
    }
    if (summaries.size() > 1) {
      return Fail(absl::InternalError("Scheduler returned multiple updates"), kExitApiError);
    }
    const api::JobUpdateStatus::type status = summaries[0].state.status;
    if (auto details = client.GetJobUpdateDetails(query); details.ok() && details->size() == 1) {
      std::string line = InstanceProgress(details->front());
      if (line != progress) ctx.err << line << std::endl;
      progress = std::move(line);
    }
    if (!current.has_value() || *current != status) {
      current = status;
      ctx.out << "Current state " << UpdateStatusName(status) << std::endl;
      if (!IsActiveUpdateStatus(status)) {
        const int code = UpdateWaitExitCode(status, rolling_back);
        if (code == kExitOk) return absl::OkStatus();
        return Fail(absl::AbortedError(absl::StrCat("update ", key.id, " ended ",
                                                    UpdateStatusName(status))),
                    static_cast<ExitCode>(code));
      }
    }
    waiter.Wait(kWaitPollMs * 30);
  }
}

// The job's single active update; nullopt when it has none.
absl::StatusOr<std::optional<api::JobUpdateSummary>> ActiveUpdate(SchedulerClient& client,
                                                                  const ClusterJobKey& key) {
  api::JobUpdateQuery query;
  query.__set_jobKey(wire::ToThrift(key.job));
  ASSIGN_OR_RETURN(std::set<api::JobUpdateStatus::type> active, ParseStatusFilters({"active"}));
  query.__set_updateStatuses(active);
  ASSIGN_OR_RETURN(std::vector<api::JobUpdateSummary> summaries,
                   client.GetJobUpdateSummaries(query));
  if (summaries.empty()) return std::optional<api::JobUpdateSummary>();
  if (summaries.size() > 1) {
    return Fail(absl::InternalError("The scheduler returned multiple active updates for this job."),
                kExitApiError);
  }
  return std::optional<api::JobUpdateSummary>(summaries[0]);
}

struct ControlText {
  const char* verb;     // "pause"
  const char* success;  // "Update has been paused."
};

ControlText TextFor(UpdateControl c) {
  switch (c) {
    case UpdateControl::kPause:
      return {"pause", "Update has been paused."};
    case UpdateControl::kResume:
      return {"resume", "Update has been resumed."};
    case UpdateControl::kAbort:
      return {"abort", "Update has been aborted."};
    case UpdateControl::kRollback:
      return {"rollback", "Update rollback has started."};
    case UpdateControl::kPulse:
      return {"pulse", "Update has been pulsed."};
    case UpdateControl::kPromote:
      return {"promote", "Canary update has been promoted."};
  }
  return {"change", ""};
}

absl::StatusOr<api::Response> SendControl(SchedulerClient& client, UpdateControl c,
                                          const api::JobUpdateKey& key, const std::string& message) {
  switch (c) {
    case UpdateControl::kPause:
      return client.PauseJobUpdate(key, message);
    case UpdateControl::kResume:
      return client.ResumeJobUpdate(key, message);
    case UpdateControl::kAbort:
      return client.AbortJobUpdate(key, message);
    case UpdateControl::kRollback:
      return client.RollbackJobUpdate(key, message);
    case UpdateControl::kPulse:
      return client.PulseJobUpdate(key);
    case UpdateControl::kPromote:
      return client.ResumeJobUpdate(key, message.empty() ? "Canary promoted" : message);
  }
  return absl::InternalError("unknown update control");
}

}  // namespace

absl::Status UpdateStart(CliContext& ctx, const UpdateStartOptions& options) {
  ASSIGN_OR_RETURN(InstanceSpec spec, ParseInstanceSpec(options.spec));
  RETURN_IF_ERROR(CheckStartOptions(options));
  model::JobConfiguration local;
  ASSIGN_OR_RETURN(api::JobUpdateRequest request, BuildRequest(options, spec, &local));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, spec.key.cluster));
  // As Aurora's client, show what the update will do before starting it.
  api::JobUpdateRequest diff_request = request;
  diff_request.__isset.metadata = false;
  // A diff the scheduler cannot give does not stop the update (startJobUpdate decides).
  auto diff = client.GetJobUpdateDiff(diff_request);
  if (diff.ok()) {
    ctx.out << FormatUpdateDiff(*diff, nullptr) << std::flush;
  } else {
    ctx.err << "warning: cannot show what the update will change: " << diff.status().message()
            << std::endl;
  }
  if (!options.check_token.empty()) client.set_check_token(options.check_token);
  auto response = client.StartJobUpdate(request, options.message);
  if (!response.ok()) {
    return CheckTokenFailure(
        ApiFailure(response.status(), "Failed to start update due to error:"));
  }
  if (!response->result.__isset.startJobUpdateResult ||
      response->result.startJobUpdateResult.key.id.empty()) {
    // No update was needed ("Job is unchanged by proposed update.").
    std::string text;
    for (const api::ResponseDetail& d : response->details) absl::StrAppend(&text, d.message);
    ctx.out << text << std::endl;
    return absl::OkStatus();
  }
  const api::JobUpdateKey& key = response->result.startJobUpdateResult.key;
  ctx.out << "Job update has started. View your update progress at "
          << UpdateUrl(LinkBaseFor(ctx, spec.key.cluster, client.uri()), key) << std::endl;
  if (!options.wait) return absl::OkStatus();
  return WaitForUpdate(ctx, client, key, /*rolling_back=*/false);
}

absl::Status UpdateControlCommand(CliContext& ctx, UpdateControl control,
                                  const UpdateControlOptions& options) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(options.job_key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  ASSIGN_OR_RETURN(std::optional<api::JobUpdateSummary> active, ActiveUpdate(client, key));
  if (!active.has_value()) {
    return Fail(absl::NotFoundError("No active update found for this job."),
                kExitInvalidParameter);
  }
  const ControlText text = TextFor(control);
  if (control == UpdateControl::kPromote) {
    if (absl::Status s = CheckPromotable(*active); !s.ok()) return Fail(s, kExitCommandFailure);
  }
  auto response = SendControl(client, control, active->key, options.message);
  if (!response.ok()) {
    return ApiFailure(response.status(),
                      absl::StrCat("Failed to ", text.verb, " update due to error:"));
  }
  ctx.out << text.success << std::endl;
  if (control == UpdateControl::kRollback && options.wait) {
    return WaitForUpdate(ctx, client, active->key, /*rolling_back=*/true);
  }
  return absl::OkStatus();
}

absl::Status UpdateList(CliContext& ctx, const UpdateListOptions& options) {
  std::vector<std::string> parts = absl::StrSplit(options.filter, '/');
  const bool bad = options.filter.empty() || parts.size() > 4 ||
                   std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); });
  if (bad) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
                    "'", options.filter,
                    "': the update filter must be a path of the form CLUSTER[/ROLE[/ENV[/JOB]]]")),
                kExitInvalidParameter);
  }
  ASSIGN_OR_RETURN(std::set<api::JobUpdateStatus::type> statuses,
                   ParseStatusFilters(options.statuses));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, parts[0]));
  api::JobUpdateQuery query;
  if (parts.size() == 4) {
    query.__set_jobKey(wire::ToThrift(model::JobKey{parts[1], parts[2], parts[3]}));
  } else if (parts.size() > 1) {
    query.__set_role(parts[1]);
  }
  if (!statuses.empty()) query.__set_updateStatuses(statuses);
  if (!options.user.empty()) query.__set_user(options.user);
  ASSIGN_OR_RETURN(std::vector<api::JobUpdateSummary> summaries,
                   client.GetJobUpdateSummaries(query));
  if (parts.size() == 3) {  // the API has no environment filter
    std::erase_if(summaries, [&](const api::JobUpdateSummary& s) {
      return s.key.job.environment != parts[2];
    });
  }
  if (options.write_json) {
    ctx.out << UpdateListJson(parts[0], summaries) << std::endl;
  } else {
    ctx.out << FormatUpdateList(parts[0], summaries) << std::flush;
  }
  return absl::OkStatus();
}

absl::Status UpdateInfo(CliContext& ctx, const UpdateInfoOptions& options) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(options.job_key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  api::JobUpdateKey update_key = UpdateKeyOf(key, options.update_id);
  if (update_key.id.empty()) {
    ASSIGN_OR_RETURN(std::optional<api::JobUpdateSummary> active, ActiveUpdate(client, key));
    if (!active.has_value()) {
      return Fail(absl::NotFoundError("There is no active update for this job."),
                  kExitInvalidParameter);
    }
    update_key = active->key;
  }
  api::JobUpdateQuery query;
  query.__set_key(update_key);
  ASSIGN_OR_RETURN(std::vector<api::JobUpdateDetails> details, client.GetJobUpdateDetails(query));
  if (details.empty()) {
    return Fail(absl::NotFoundError(absl::StrCat("There is no update for key: ", key.ToString(),
                                                 "/", update_key.id)),
                kExitInvalidParameter);
  }
  if (options.write_json) {
    ctx.out << UpdateInfoJson(key.ToString(), details[0]) << std::endl;
  } else {
    ctx.out << FormatUpdateInfo(key.ToString(), details[0]) << std::flush;
  }
  return absl::OkStatus();
}

absl::Status UpdateWait(CliContext& ctx, const UpdateWaitOptions& options) {
  ASSIGN_OR_RETURN(ClusterJobKey key, ParseJobKey(options.job_key));
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, key.cluster));
  return WaitForUpdate(ctx, client, UpdateKeyOf(key, options.update_id), /*rolling_back=*/false);
}

}  // namespace borealis::cli
