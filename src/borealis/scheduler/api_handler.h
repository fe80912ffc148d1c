// Aurora's Thrift API (AuroraAdmin, which extends AuroraSchedulerManager and
// ReadOnlyScheduler) on top of the scheduler core. Reads are answered from the published
// view on the calling thread; writes run on the core thread and answer after their
// changes are durable. Methods Borealis does not implement yet answer ERROR with
// "<method> is not supported yet", never a fake success.
//
// Thread contract: called concurrently from HTTP server threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "borealis/scheduler/scheduler_core.h"
#include "gen-cpp/AuroraAdmin.h"

namespace borealis::scheduler {

// How the handler reaches the core; the daemon implements it with its event loop.
class CoreAccess {
 public:
  virtual ~CoreAccess() = default;
  // Runs `fn` on the core thread and returns its response once its effects are committed.
  virtual api::Response Call(std::function<api::Response(SchedulerCore&)> fn) = 0;
  virtual std::shared_ptr<const SchedulerView> View() = 0;
};

class ApiHandler : public api::AuroraAdminIf {
 public:
  ApiHandler(CoreAccess& core, std::string cluster_name)
      : core_(core), cluster_name_(std::move(cluster_name)) {}

  // A handler for one request that carried a plan's token (the Borealis-Check-Token
  // header, plan.h): its createJob and startJobUpdate first check, on the core thread and
  // in the same call as the write, that the job is as the plan saw it.
  std::shared_ptr<ApiHandler> WithCheckToken(std::string token) const {
    auto copy = std::make_shared<ApiHandler>(core_, cluster_name_);
    copy->check_token_ = std::move(token);
    return copy;
  }

  // ReadOnlyScheduler
  void getRoleSummary(api::Response& r) override;
  void getJobSummary(api::Response& r, const std::string& role) override;
  void getTasksStatus(api::Response& r, const api::TaskQuery& query) override;
  void getTasksWithoutConfigs(api::Response& r, const api::TaskQuery& query) override;
  void getPendingReason(api::Response& r, const api::TaskQuery& query) override;
  void getConfigSummary(api::Response& r, const api::JobKey& job) override;
  void getJobs(api::Response& r, const std::string& owner_role) override;
  void getQuota(api::Response& r, const std::string& owner_role) override;
  void populateJobConfig(api::Response& r, const api::JobConfiguration& description) override;
  void getJobUpdateSummaries(api::Response& r, const api::JobUpdateQuery& query) override;
  void getJobUpdateDetails(api::Response& r, const api::JobUpdateKey& key,
                           const api::JobUpdateQuery& query) override;
  void getJobUpdateDiff(api::Response& r, const api::JobUpdateRequest& request) override;
  void getTierConfigs(api::Response& r) override;

  // AuroraSchedulerManager
  void createJob(api::Response& r, const api::JobConfiguration& description) override;
  void scheduleCronJob(api::Response& r, const api::JobConfiguration& description) override;
  void descheduleCronJob(api::Response& r, const api::JobKey& job) override;
  void startCronJob(api::Response& r, const api::JobKey& job) override;
  void restartShards(api::Response& r, const api::JobKey& job,
                     const std::set<int32_t>& shard_ids) override;
  void killTasks(api::Response& r, const api::JobKey& job, const std::set<int32_t>& instances,
                 const std::string& message) override;
  void addInstances(api::Response& r, const api::InstanceKey& key, int32_t count) override;
  void replaceCronTemplate(api::Response& r, const api::JobConfiguration& config) override;
  void startJobUpdate(api::Response& r, const api::JobUpdateRequest& request,
                      const std::string& message) override;
  void pauseJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                      const std::string& message) override;
  void resumeJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                       const std::string& message) override;
  void abortJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                      const std::string& message) override;
  void rollbackJobUpdate(api::Response& r, const api::JobUpdateKey& key,
                         const std::string& message) override;
  void pulseJobUpdate(api::Response& r, const api::JobUpdateKey& key) override;

  // AuroraAdmin
  void setQuota(api::Response& r, const std::string& owner_role,
                const api::ResourceAggregate& quota) override;
  void forceTaskState(api::Response& r, const std::string& task_id,
                      api::ScheduleStatus::type status) override;
  void performBackup(api::Response& r) override;
  void listBackups(api::Response& r) override;
  void stageRecovery(api::Response& r, const std::string& backup_id) override;
  void queryRecovery(api::Response& r, const api::TaskQuery& query) override;
  void deleteRecoveryTasks(api::Response& r, const api::TaskQuery& query) override;
  void commitRecovery(api::Response& r) override;
  void unloadRecovery(api::Response& r) override;
  void startMaintenance(api::Response& r, const api::Hosts& hosts) override;
  void drainHosts(api::Response& r, const api::Hosts& hosts) override;
  void maintenanceStatus(api::Response& r, const api::Hosts& hosts) override;
  void endMaintenance(api::Response& r, const api::Hosts& hosts) override;
  void slaDrainHosts(api::Response& r, const api::Hosts& hosts,
                     const api::SlaPolicy& default_sla_policy, int64_t timeout_secs) override;
  void snapshot(api::Response& r) override;
  void triggerExplicitTaskReconciliation(
      api::Response& r, const api::ExplicitReconciliationSettings& settings) override;
  void triggerImplicitTaskReconciliation(api::Response& r) override;
  void pruneTasks(api::Response& r, const api::TaskQuery& query) override;

 private:
  api::Response Finish(api::Response r) const;
  api::Response NotSupported(const char* method) const;

  CoreAccess& core_;
  std::string cluster_name_;
  std::optional<std::string> check_token_;
};

}  // namespace borealis::scheduler
