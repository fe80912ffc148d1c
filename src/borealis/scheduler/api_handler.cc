#include "borealis/scheduler/api_handler.h"

#include "absl/strings/str_cat.h"
#include "borealis/scheduler/plan.h"
#include "borealis/scheduler/read_api.h"
#include "borealis/scheduler/update_read_api.h"
#include "borealis/wire/convert_update.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {

api::Response ApiHandler::Finish(api::Response r) const {
  wire::SetServerInfo(&r, cluster_name_, "");
  return r;
}

api::Response ApiHandler::NotSupported(const char* method) const {
  return Finish(wire::MakeResponse(api::ResponseCode::ERROR,
                                   absl::StrCat(method, " is not supported yet by Borealis")));
}

// ---- reads: from the published view, on this thread

void ApiHandler::getRoleSummary(api::Response& r) { r = Finish(GetRoleSummary(*core_.View())); }
void ApiHandler::getJobSummary(api::Response& r, const std::string& role) {
  r = Finish(GetJobSummary(*core_.View(), role));
}
void ApiHandler::getTasksStatus(api::Response& r, const api::TaskQuery& query) {
  r = Finish(GetTasks(*core_.View(), query, /*strip_executor_data=*/false));
}
void ApiHandler::getTasksWithoutConfigs(api::Response& r, const api::TaskQuery& query) {
  r = Finish(GetTasks(*core_.View(), query, /*strip_executor_data=*/true));
}
void ApiHandler::getPendingReason(api::Response& r, const api::TaskQuery& query) {
  r = Finish(GetPendingReason(*core_.View(), query));
}
void ApiHandler::getConfigSummary(api::Response& r, const api::JobKey& job) {
  r = Finish(GetConfigSummary(*core_.View(), job));
}
void ApiHandler::getJobs(api::Response& r, const std::string& owner_role) {
  r = Finish(GetJobs(*core_.View(), owner_role));
}
void ApiHandler::getTierConfigs(api::Response& r) {
  auto view = core_.View();
  r = Finish(view->tiers ? GetTierConfigs(*view->tiers) : GetTierConfigs(core::TierConfig::Default()));
}

void ApiHandler::getQuota(api::Response& r, const std::string& owner_role) {
  r = Finish(GetQuota(*core_.View(), owner_role));
}
void ApiHandler::populateJobConfig(api::Response& r, const api::JobConfiguration& job) {
  r = Finish(PopulateJobConfig(*core_.View(), job));
}
void ApiHandler::getJobUpdateSummaries(api::Response& r, const api::JobUpdateQuery& query) {
  r = Finish(GetJobUpdateSummaries(*core_.View(), query));
}
void ApiHandler::getJobUpdateDetails(api::Response& r, const api::JobUpdateKey& key,
                                     const api::JobUpdateQuery& query) {
  r = Finish(GetJobUpdateDetails(*core_.View(), key, query));
}
void ApiHandler::getJobUpdateDiff(api::Response& r, const api::JobUpdateRequest& request) {
  r = Finish(GetJobUpdateDiff(*core_.View(), request));
}

// ---- writes: on the core thread, answered after commit

void ApiHandler::createJob(api::Response& r, const api::JobConfiguration& description) {
  const model::JobKey key = wire::FromThrift(description.key);
  r = Finish(core_.Call([&](SchedulerCore& c) {
    if (check_token_) {
      if (auto refused = CheckPlanToken(c.state(), key, *check_token_)) return *refused;
    }
    return c.CreateJob(description);
  }));
}
void ApiHandler::killTasks(api::Response& r, const api::JobKey& job,
                           const std::set<int32_t>& instances, const std::string& message) {
  const model::JobKey key = wire::FromThrift(job);
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.KillTasks(key, instances, message); }));
}

void ApiHandler::scheduleCronJob(api::Response& r, const api::JobConfiguration& description) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.ScheduleCronJob(description); }));
}
void ApiHandler::descheduleCronJob(api::Response& r, const api::JobKey& job) {
  const model::JobKey key = wire::FromThrift(job);
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.DescheduleCronJob(key); }));
}
void ApiHandler::startCronJob(api::Response& r, const api::JobKey& job) {
  const model::JobKey key = wire::FromThrift(job);
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.StartCronJob(key); }));
}
void ApiHandler::restartShards(api::Response& r, const api::JobKey& job,
                               const std::set<int32_t>& shard_ids) {
  const model::JobKey key = wire::FromThrift(job);
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.RestartShards(key, shard_ids); }));
}
void ApiHandler::addInstances(api::Response& r, const api::InstanceKey& key, int32_t count) {
  const model::InstanceKey instance{wire::FromThrift(key.jobKey), key.instanceId};
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.AddInstances(instance, count); }));
}
void ApiHandler::replaceCronTemplate(api::Response& r, const api::JobConfiguration& config) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.ReplaceCronTemplate(config); }));
}
// Without authentication the caller is Aurora's "UNSECURE" user.
constexpr char kUnauthenticatedUser[] = "UNSECURE";

void ApiHandler::startJobUpdate(api::Response& r, const api::JobUpdateRequest& request,
                                const std::string& message) {
  const model::JobKey key = wire::FromThrift(request.taskConfig.job);
  r = Finish(core_.Call([&](SchedulerCore& c) {
    if (check_token_) {
      if (auto refused = CheckPlanToken(c.state(), key, *check_token_)) return *refused;
    }
    return c.StartJobUpdate(request, message, kUnauthenticatedUser);
  }));
}
void ApiHandler::pauseJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                                const std::string& message) {
  const model::JobUpdateKey k = wire::FromThrift(key);
  r = Finish(core_.Call(
      [&](SchedulerCore& c) { return c.PauseJobUpdate(k, message, kUnauthenticatedUser); }));
}
void ApiHandler::resumeJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                                 const std::string& message) {
  const model::JobUpdateKey k = wire::FromThrift(key);
  r = Finish(core_.Call(
      [&](SchedulerCore& c) { return c.ResumeJobUpdate(k, message, kUnauthenticatedUser); }));
}
void ApiHandler::abortJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                                const std::string& message) {
  const model::JobUpdateKey k = wire::FromThrift(key);
  r = Finish(core_.Call(
      [&](SchedulerCore& c) { return c.AbortJobUpdate(k, message, kUnauthenticatedUser); }));
}
void ApiHandler::rollbackJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                                   const std::string& message) {
  const model::JobUpdateKey k = wire::FromThrift(key);
  r = Finish(core_.Call(
      [&](SchedulerCore& c) { return c.RollbackJobUpdate(k, message, kUnauthenticatedUser); }));
}
void ApiHandler::pulseJobUpdate(api::Response& r, const api::JobUpdateKey& key) {
  const model::JobUpdateKey k = wire::FromThrift(key);
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.PulseJobUpdate(k); }));
}

void ApiHandler::setQuota(api::Response& r, const std::string& owner_role,
                          const api::ResourceAggregate& quota) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.SetQuota(owner_role, quota); }));
}
void ApiHandler::performBackup(api::Response& r) { r = NotSupported("performBackup"); }
void ApiHandler::listBackups(api::Response& r) { r = NotSupported("listBackups"); }
void ApiHandler::stageRecovery(api::Response& r, const std::string&) {
  r = NotSupported("stageRecovery");
}
void ApiHandler::queryRecovery(api::Response& r, const api::TaskQuery&) {
  r = NotSupported("queryRecovery");
}
void ApiHandler::deleteRecoveryTasks(api::Response& r, const api::TaskQuery&) {
  r = NotSupported("deleteRecoveryTasks");
}
void ApiHandler::commitRecovery(api::Response& r) { r = NotSupported("commitRecovery"); }
void ApiHandler::unloadRecovery(api::Response& r) { r = NotSupported("unloadRecovery"); }
void ApiHandler::startMaintenance(api::Response& r, const api::Hosts& hosts) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.StartMaintenance(hosts.hostNames); }));
}
void ApiHandler::drainHosts(api::Response& r, const api::Hosts& hosts) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.DrainHosts(hosts.hostNames); }));
}
void ApiHandler::maintenanceStatus(api::Response& r, const api::Hosts& hosts) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.MaintenanceStatus(hosts.hostNames); }));
}
void ApiHandler::endMaintenance(api::Response& r, const api::Hosts& hosts) {
  r = Finish(core_.Call([&](SchedulerCore& c) { return c.EndMaintenance(hosts.hostNames); }));
}
void ApiHandler::slaDrainHosts(api::Response& r, const api::Hosts& hosts,
                               const api::SlaPolicy& policy, int64_t timeout_secs) {
  r = Finish(core_.Call([&](SchedulerCore& c) {
    return c.SlaDrainHosts(hosts.hostNames, policy, timeout_secs);
  }));
}
void ApiHandler::snapshot(api::Response& r) { r = NotSupported("snapshot"); }

}  // namespace borealis::scheduler
