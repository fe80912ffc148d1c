// Borealis' public scheduler API, wire-compatible with Apache Aurora's Thrift API: the same
// struct, enum and service names, field ids, field types and requiredness, so that a client
// generated from Aurora's IDL talks to borealis-scheduler unchanged. Served on POST /api
// (TJSONProtocol by default, TBinaryProtocol on request). Every method returns Response.
//
// Compatibility rules for editing this file: never renumber or retype a field, never reuse a
// removed id (see the notes on TaskConfig and JobUpdateSettings), add only optional fields.

namespace cpp borealis.api
namespace java org.apache.aurora.gen
namespace py gen.apache.aurora.api

// Outcome of a call. A Response carries a result only when the code is OK.
enum ResponseCode {
  INVALID_REQUEST = 0,
  OK = 1,
  ERROR = 2,
  WARNING = 3,
  AUTH_FAILED = 4,
  JOB_UPDATING_ERROR = 5,  // the job has an update in progress that blocks this call
  ERROR_TRANSIENT = 6      // retry later (e.g. storage not ready, leader changing)
}

// Executor name the scheduler gives to Thermos-style tasks.
const string AURORA_EXECUTOR_NAME = 'AuroraExecutor'

// Who submitted a job. Only the user survives; the role lives in JobKey.
struct Identity {
  2: string user
}

// One named attribute of an agent, with all of its values.
struct Attribute {
  1: string name
  2: set<string> values
}

// Maintenance state of a host.
enum MaintenanceMode {
  NONE = 1,
  SCHEDULED = 2,
  DRAINING = 3,
  DRAINED = 4
}

// Everything the scheduler knows about a host for placement.
struct HostAttributes {
  1: string host
  2: set<Attribute> attributes
  3: optional MaintenanceMode mode
  4: optional string slaveId
}

// The host must have (or, when negated, must not have) one of these attribute values.
struct ValueConstraint {
  1: bool negated
  2: set<string> values
}

// At most `limit` active tasks of the job per distinct value of the attribute.
struct LimitConstraint {
  1: i32 limit
}

union TaskConstraint {
  1: ValueConstraint value
  2: LimitConstraint limit
}

// A placement rule on the agent attribute `name`.
struct Constraint {
  1: string name
  2: TaskConstraint constraint
}

// Kept for id compatibility; Borealis does not use packages.
struct Package {
  1: string role
  2: string name
  3: i32 version
}

// Free-form key/value pair attached to a task or update, shown in the UI.
struct Metadata {
  1: string key
  2: string value
}

// role/environment/name: the identity of a job inside a cluster.
struct JobKey {
  1: string role
  2: string environment
  3: string name
}

// Legacy job locks; only present so that old storage and clients still decode.
union LockKey {
  1: JobKey job
}

struct Lock {
  1: LockKey key
  2: string token
  3: string user
  4: i64 timestampMs
  5: optional string message
}

// One instance (replica) of a job.
struct InstanceKey {
  1: JobKey jobKey
  2: i32 instanceId
}

// A file the agent downloads into the sandbox before the task starts.
struct MesosFetcherURI {
  1: string value
  2: optional bool extract
  3: optional bool cache
  4: optional string outputFile
}

// Which executor runs the task and its opaque configuration (Thermos: the job's JSON).
struct ExecutorConfig {
  1: string name
  2: string data
}

// Access mode of a mounted volume.
enum Mode {
  RW = 1,
  RO = 2
}

struct Volume {
  1: string containerPath
  2: string hostPath
  3: Mode mode
}

struct DockerImage {
  1: string name
  2: string tag
}

struct AppcImage {
  1: string name
  2: string imageId
}

union Image {
  1: DockerImage docker
  2: AppcImage appc
}

// The default (native) containerizer, optionally with a filesystem image and volumes.
struct MesosContainer {
  1: optional Image image
  2: optional list<Volume> volumes
}

struct DockerParameter {
  1: string name
  2: string value
}

struct DockerContainer {
  1: string image
  2: optional list<DockerParameter> parameters
}

union Container {
  1: MesosContainer mesos
  2: DockerContainer docker
}

// One resource a task asks for. A task's resources are a set of these; named ports appear
// once each.
union Resource {
  1: double numCpus
  2: i64 ramMb
  3: i64 diskMb
  4: string namedPort
  5: i64 numGpus
}

// What to do with a task whose agent became unreachable.
struct PartitionPolicy {
  1: bool reschedule
  2: optional i64 delaySecs
}

// SLA: keep at least `percentage` of the job's instances running for `durationSecs`.
struct PercentageSlaPolicy {
  1: double percentage
  2: i64 durationSecs
}

// SLA: keep at least `count` instances running for `durationSecs`.
struct CountSlaPolicy {
  1: i64 count
  2: i64 durationSecs
}

// SLA: ask an external service whether an instance may be taken down.
struct CoordinatorSlaPolicy {
  1: string coordinatorUrl
  2: string statusKey
}

union SlaPolicy {
  1: PercentageSlaPolicy percentageSlaPolicy
  2: CountSlaPolicy countSlaPolicy
  3: CoordinatorSlaPolicy coordinatorSlaPolicy
}

// The template of every task of a job. Ids 1-6, 8-10, 12, 14-16, 19, 21, 24, 26 and 31
// belonged to fields Aurora removed; they must stay unused.
struct TaskConfig {
  28: JobKey job
  17: Identity owner
  7: bool isService
  11: i32 priority
  13: i32 maxTaskFailures
  18: optional bool production  // derived from the tier by the scheduler
  30: optional string tier
  32: set<Resource> resources
  20: set<Constraint> constraints
  33: optional set<MesosFetcherURI> mesosFetcherUris
  22: optional map<string, string> taskLinks  // values may hold %host%, %port:name% etc.
  23: optional string contactEmail
  25: optional ExecutorConfig executorConfig
  27: optional set<Metadata> metadata
  34: optional PartitionPolicy partitionPolicy
  35: optional SlaPolicy slaPolicy
  29: Container container = { "mesos": {} }
}

// A bag of resources (quota, consumption).
struct ResourceAggregate {
  4: set<Resource> resources
}

// What a cron run does when the previous run is still active.
enum CronCollisionPolicy {
  KILL_EXISTING = 0,
  CANCEL_NEW = 1,
  RUN_OVERLAP = 2  // deprecated: treated like CANCEL_NEW, refused on create
}

// A job as submitted: key, template, instance count and, for cron jobs, the schedule.
struct JobConfiguration {
  9: JobKey key
  7: Identity owner
  4: optional string cronSchedule
  5: CronCollisionPolicy cronCollisionPolicy
  6: TaskConfig taskConfig
  8: i32 instanceCount
}

struct JobStats {
  1: i32 activeTaskCount
  2: i32 finishedTaskCount
  3: i32 failedTaskCount
  4: i32 pendingTaskCount
}

struct JobSummary {
  1: JobConfiguration job
  2: JobStats stats
  3: optional i64 nextCronRunMs
}

// The closed interval [first, last] of instance ids.
struct Range {
  1: i32 first
  2: i32 last
}

// Instances of a job that share one TaskConfig.
struct ConfigGroup {
  1: TaskConfig config
  3: set<Range> instances
}

struct ConfigSummary {
  1: JobKey key
  2: set<ConfigGroup> groups
}

struct PopulateJobResult {
  2: TaskConfig taskConfig
}

struct GetQuotaResult {
  1: ResourceAggregate quota
  2: optional ResourceAggregate prodSharedConsumption
  3: optional ResourceAggregate nonProdSharedConsumption
  4: optional ResourceAggregate prodDedicatedConsumption
  5: optional ResourceAggregate nonProdDedicatedConsumption
}

// Lifecycle states of a task. The numbers are historical and not ordered by lifecycle.
enum ScheduleStatus {
  INIT = 11,
  THROTTLED = 16,
  PENDING = 0,
  ASSIGNED = 9,
  STARTING = 1,
  RUNNING = 2,
  FINISHED = 3,
  PREEMPTING = 13,
  RESTARTING = 12,
  DRAINING = 17,
  FAILED = 4,
  KILLED = 5,
  KILLING = 6,
  LOST = 7,
  PARTITIONED = 18
}

// Not yet terminal.
const set<ScheduleStatus> ACTIVE_STATES = [
  ScheduleStatus.ASSIGNED, ScheduleStatus.DRAINING, ScheduleStatus.KILLING,
  ScheduleStatus.PENDING, ScheduleStatus.PREEMPTING, ScheduleStatus.RESTARTING,
  ScheduleStatus.RUNNING, ScheduleStatus.STARTING, ScheduleStatus.PARTITIONED,
  ScheduleStatus.THROTTLED]

// Bound to an agent and not terminal.
const set<ScheduleStatus> SLAVE_ASSIGNED_STATES = [
  ScheduleStatus.ASSIGNED, ScheduleStatus.DRAINING, ScheduleStatus.KILLING,
  ScheduleStatus.PREEMPTING, ScheduleStatus.RESTARTING, ScheduleStatus.RUNNING,
  ScheduleStatus.PARTITIONED, ScheduleStatus.STARTING]

// Has a sandbox with processes in it.
const set<ScheduleStatus> LIVE_STATES = [
  ScheduleStatus.KILLING, ScheduleStatus.PREEMPTING, ScheduleStatus.RESTARTING,
  ScheduleStatus.DRAINING, ScheduleStatus.PARTITIONED, ScheduleStatus.RUNNING]

// Done for good.
const set<ScheduleStatus> TERMINAL_STATES = [
  ScheduleStatus.FAILED, ScheduleStatus.FINISHED, ScheduleStatus.KILLED, ScheduleStatus.LOST]

// Allowed characters of role, environment and job name (same pattern for every language).
const string GOOD_IDENTIFIER_PATTERN = "^[\\w\\-\\.]+$"
const string GOOD_IDENTIFIER_PATTERN_JVM = GOOD_IDENTIFIER_PATTERN
const string GOOD_IDENTIFIER_PATTERN_PYTHON = GOOD_IDENTIFIER_PATTERN

// One state change of a task.
struct TaskEvent {
  1: i64 timestamp  // milliseconds since the epoch
  2: ScheduleStatus status
  3: optional string message
  4: optional string scheduler  // host name of the scheduler that recorded it
}

// A task as handed to the agent/executor. Agent id and host are empty while PENDING.
struct AssignedTask {
  1: string taskId
  2: string slaveId
  3: string slaveHost
  4: TaskConfig task
  5: map<string, i32> assignedPorts
  6: i32 instanceId
}

// A task with its scheduling history.
struct ScheduledTask {
  1: AssignedTask assignedTask
  2: ScheduleStatus status
  3: i32 failureCount
  6: i32 timesPartitioned
  4: list<TaskEvent> taskEvents
  5: string ancestorId
}

struct ScheduleStatusResult {
  1: list<ScheduledTask> tasks
}

struct GetJobsResult {
  1: set<JobConfiguration> configs
}

// Task filter; every field that is set must match.
struct TaskQuery {
  14: optional string role
  9: optional string environment
  2: optional string jobName
  4: optional set<string> taskIds
  5: optional set<ScheduleStatus> statuses
  7: optional set<i32> instanceIds
  10: optional set<string> slaveHosts
  11: optional set<JobKey> jobKeys
  12: optional i32 offset
  13: optional i32 limit
}

struct HostStatus {
  1: string host
  2: MaintenanceMode mode
}

struct RoleSummary {
  1: string role
  2: i32 jobCount
  3: i32 cronJobCount
}

struct Hosts {
  1: set<string> hostNames
}

// Why a pending task has not been placed yet.
struct PendingReason {
  1: string taskId
  2: string reason
}

// States of a job update.
enum JobUpdateStatus {
  ROLLING_FORWARD = 0,
  ROLLING_BACK = 1,
  ROLL_FORWARD_PAUSED = 2,
  ROLL_BACK_PAUSED = 3,
  ROLLED_FORWARD = 4,
  ROLLED_BACK = 5,
  ABORTED = 6,
  ERROR = 7,
  FAILED = 8,
  ROLL_FORWARD_AWAITING_PULSE = 9,
  ROLL_BACK_AWAITING_PULSE = 10
}

// An update in one of these states blocks other updates of the same job.
const set<JobUpdateStatus> ACTIVE_JOB_UPDATE_STATES = [
  JobUpdateStatus.ROLLING_FORWARD, JobUpdateStatus.ROLLING_BACK,
  JobUpdateStatus.ROLL_FORWARD_PAUSED, JobUpdateStatus.ROLL_BACK_PAUSED,
  JobUpdateStatus.ROLL_FORWARD_AWAITING_PULSE, JobUpdateStatus.ROLL_BACK_AWAITING_PULSE]

// Coordinated updates waiting for a pulse. The misspelt name is part of the public API.
const set<JobUpdateStatus> AWAITNG_PULSE_JOB_UPDATE_STATES = [
  JobUpdateStatus.ROLL_FORWARD_AWAITING_PULSE, JobUpdateStatus.ROLL_BACK_AWAITING_PULSE]

// What an update did to one instance.
enum JobUpdateAction {
  INSTANCE_UPDATED = 1,
  INSTANCE_ROLLED_BACK = 2,
  INSTANCE_UPDATING = 3,
  INSTANCE_ROLLING_BACK = 4,
  INSTANCE_UPDATE_FAILED = 5,
  INSTANCE_ROLLBACK_FAILED = 6
}

enum JobUpdatePulseStatus {
  OK = 1,
  FINISHED = 2
}

struct JobUpdateKey {
  1: JobKey job
  2: string id
}

// Keep up to groupSize instances updating at any time.
struct QueueJobUpdateStrategy {
  1: i32 groupSize
}

// Update in fixed-size batches, each finishing before the next starts.
struct BatchJobUpdateStrategy {
  1: i32 groupSize
  2: bool autopauseAfterBatch
}

// Update in batches of the given sizes; the last size repeats.
struct VariableBatchJobUpdateStrategy {
  1: list<i32> groupSizes
  2: bool autopauseAfterBatch
}

union JobUpdateStrategy {
  1: QueueJobUpdateStrategy queueStrategy
  2: BatchJobUpdateStrategy batchStrategy
  3: VariableBatchJobUpdateStrategy varBatchStrategy
}

// How an update proceeds. Id 4 was removed and must stay unused.
struct JobUpdateSettings {
  1: i32 updateGroupSize  // deprecated, superseded by updateStrategy
  2: i32 maxPerInstanceFailures
  3: i32 maxFailedInstances
  5: i32 minWaitInInstanceRunningMs
  6: bool rollbackOnFailure
  7: set<Range> updateOnlyTheseInstances
  8: bool waitForBatchCompletion  // deprecated, superseded by updateStrategy
  9: optional i32 blockIfNoPulsesAfterMs
  10: optional bool slaAware
  11: optional JobUpdateStrategy updateStrategy
}

// A status change of a whole update.
struct JobUpdateEvent {
  1: JobUpdateStatus status
  2: i64 timestampMs
  3: optional string user
  4: optional string message
}

// An action an update took on one instance.
struct JobInstanceUpdateEvent {
  1: i32 instanceId
  2: i64 timestampMs
  3: JobUpdateAction action
  4: optional string message
}

// A TaskConfig and the instances that have (or should have) it.
struct InstanceTaskConfig {
  1: TaskConfig task
  2: set<Range> instances
}

struct JobUpdateState {
  1: JobUpdateStatus status
  2: i64 createdTimestampMs
  3: i64 lastModifiedTimestampMs
}

struct JobUpdateSummary {
  5: JobUpdateKey key
  3: string user
  4: JobUpdateState state
  6: optional set<Metadata> metadata
}

// From where (initialState) to where (desiredState; unset when instances are only removed).
struct JobUpdateInstructions {
  1: set<InstanceTaskConfig> initialState
  2: InstanceTaskConfig desiredState
  3: JobUpdateSettings settings
}

struct JobUpdate {
  1: JobUpdateSummary summary
  2: JobUpdateInstructions instructions
}

struct JobUpdateDetails {
  1: JobUpdate update
  2: list<JobUpdateEvent> updateEvents
  3: list<JobInstanceUpdateEvent> instanceEvents
}

// What a client sends to start an update.
struct JobUpdateRequest {
  1: TaskConfig taskConfig
  2: i32 instanceCount
  3: JobUpdateSettings settings
  4: optional set<Metadata> metadata
}

// Update filter; every field that is set must match.
struct JobUpdateQuery {
  2: string role
  8: JobUpdateKey key
  3: JobKey jobKey
  4: string user
  5: set<JobUpdateStatus> updateStatuses
  6: i32 offset
  7: i32 limit
}

// A pending SLA-aware drain of one host.
struct HostMaintenanceRequest {
  1: string host
  2: SlaPolicy defaultSlaPolicy
  3: i64 timeoutSecs
  4: i64 createdTimestampMs
}

struct ListBackupsResult {
  1: set<string> backups
}

struct StartMaintenanceResult {
  1: set<HostStatus> statuses
}

struct DrainHostsResult {
  1: set<HostStatus> statuses
}

struct QueryRecoveryResult {
  1: set<ScheduledTask> tasks
}

struct MaintenanceStatusResult {
  1: set<HostStatus> statuses
}

struct EndMaintenanceResult {
  1: set<HostStatus> statuses
}

struct RoleSummaryResult {
  1: set<RoleSummary> summaries
}

struct JobSummaryResult {
  1: set<JobSummary> summaries
}

struct ConfigSummaryResult {
  1: ConfigSummary summary
}

struct GetPendingReasonResult {
  1: set<PendingReason> reasons
}

struct StartJobUpdateResult {
  1: JobUpdateKey key
  2: optional JobUpdateSummary updateSummary
}

struct GetJobUpdateSummariesResult {
  1: list<JobUpdateSummary> updateSummaries
}

struct GetJobUpdateDetailsResult {
  1: JobUpdateDetails details  // deprecated: filled only for a lookup by key
  2: list<JobUpdateDetails> detailsList
}

struct PulseJobUpdateResult {
  1: JobUpdatePulseStatus status
}

struct GetJobUpdateDiffResult {
  1: set<ConfigGroup> add
  2: set<ConfigGroup> remove
  3: set<ConfigGroup> update
  4: set<ConfigGroup> unchanged
}

// A tier and its settings ("preemptible", "revocable" -> "true"/"false").
struct TierConfig {
  1: string name
  2: map<string, string> settings
}

struct GetTierConfigResult {
  1: string defaultTierName
  2: set<TierConfig> tiers
}

struct ServerInfo {
  1: string clusterName
  3: string statsUrlPrefix
}

// The payload of a successful call; which member is set depends on the method.
union Result {
  1: PopulateJobResult populateJobResult
  3: ScheduleStatusResult scheduleStatusResult
  4: GetJobsResult getJobsResult
  5: GetQuotaResult getQuotaResult
  6: ListBackupsResult listBackupsResult
  7: StartMaintenanceResult startMaintenanceResult
  8: DrainHostsResult drainHostsResult
  9: QueryRecoveryResult queryRecoveryResult
  10: MaintenanceStatusResult maintenanceStatusResult
  11: EndMaintenanceResult endMaintenanceResult
  17: RoleSummaryResult roleSummaryResult
  18: JobSummaryResult jobSummaryResult
  20: ConfigSummaryResult configSummaryResult
  21: GetPendingReasonResult getPendingReasonResult
  22: StartJobUpdateResult startJobUpdateResult
  23: GetJobUpdateSummariesResult getJobUpdateSummariesResult
  24: GetJobUpdateDetailsResult getJobUpdateDetailsResult
  25: PulseJobUpdateResult pulseJobUpdateResult
  26: GetJobUpdateDiffResult getJobUpdateDiffResult
  27: GetTierConfigResult getTierConfigResult
}

struct ResponseDetail {
  1: string message
}

struct Response {
  1: ResponseCode responseCode
  5: ServerInfo serverInfo
  3: optional Result result
  6: list<ResponseDetail> details
}

// Calls that never change state.
service ReadOnlyScheduler {
  Response getRoleSummary()
  Response getJobSummary(1: string role)
  Response getTasksStatus(1: TaskQuery query)
  // Like getTasksStatus, without executorConfig.data.
  Response getTasksWithoutConfigs(1: TaskQuery query)
  // Rejects queries that set statuses or slaveHosts.
  Response getPendingReason(1: TaskQuery query)
  Response getConfigSummary(1: JobKey job)
  // A null role lists the jobs of every role.
  Response getJobs(1: string ownerRole)
  Response getQuota(1: string ownerRole)
  // Validates a job and returns its TaskConfig as the scheduler would store it.
  Response populateJobConfig(1: JobConfiguration description)
  Response getJobUpdateSummaries(1: JobUpdateQuery jobUpdateQuery)
  // `key` is the deprecated single-update lookup; prefer `query`.
  Response getJobUpdateDetails(1: JobUpdateKey key, 2: JobUpdateQuery query)
  Response getJobUpdateDiff(1: JobUpdateRequest request)
  Response getTierConfigs()
}

// Calls of job owners.
service AuroraSchedulerManager extends ReadOnlyScheduler {
  Response createJob(1: JobConfiguration description)
  Response scheduleCronJob(1: JobConfiguration description)
  Response descheduleCronJob(4: JobKey job)
  Response startCronJob(4: JobKey job)
  // Every listed instance must be active.
  Response restartShards(5: JobKey job, 3: set<i32> shardIds)
  // Null or empty instances: every active instance of the job.
  Response killTasks(4: JobKey job, 5: set<i32> instances, 6: string message)
  // Adds `count` instances configured like the active instance `key`.
  Response addInstances(3: InstanceKey key, 4: i32 count)
  Response replaceCronTemplate(1: JobConfiguration config)
  Response startJobUpdate(1: JobUpdateRequest request, 3: string message)
  Response pauseJobUpdate(1: JobUpdateKey key, 3: string message)
  Response resumeJobUpdate(1: JobUpdateKey key, 3: string message)
  Response abortJobUpdate(1: JobUpdateKey key, 3: string message)
  Response rollbackJobUpdate(1: JobUpdateKey key, 2: string message)
  Response pulseJobUpdate(1: JobUpdateKey key)
}

// How many tasks per batch explicit reconciliation asks about (> 0).
struct ExplicitReconciliationSettings {
  1: optional i32 batchSize
}

// Calls of cluster operators.
service AuroraAdmin extends AuroraSchedulerManager {
  Response setQuota(1: string ownerRole, 2: ResourceAggregate quota)
  // Moves a task to a state without the usual checks; for repairs only.
  Response forceTaskState(1: string taskId, 2: ScheduleStatus status)
  Response performBackup()
  Response listBackups()
  Response stageRecovery(1: string backupId)
  Response queryRecovery(1: TaskQuery query)
  Response deleteRecoveryTasks(1: TaskQuery query)
  Response commitRecovery()
  Response unloadRecovery()
  Response startMaintenance(1: Hosts hosts)
  Response drainHosts(1: Hosts hosts)
  Response maintenanceStatus(1: Hosts hosts)
  Response endMaintenance(1: Hosts hosts)
  Response slaDrainHosts(1: Hosts hosts, 2: SlaPolicy defaultSlaPolicy, 3: i64 timeoutSecs)
  Response snapshot()
  Response triggerExplicitTaskReconciliation(1: ExplicitReconciliationSettings settings)
  Response triggerImplicitTaskReconciliation()
  // Statuses default to the terminal ones; active statuses are refused.
  Response pruneTasks(1: TaskQuery query)
}

// HTTP header that makes a non-leading scheduler answer instead of redirecting.
const string BYPASS_LEADER_REDIRECT_HEADER_NAME = 'Bypass-Leader-Redirect'

// Name of the mount point of a task's filesystem image inside its sandbox.
const string TASK_FILESYSTEM_MOUNT_POINT = 'taskfs'
