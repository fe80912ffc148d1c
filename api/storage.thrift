// The scheduler's durable state, in Aurora's storage schema: log records (a Transaction of
// Ops, or a Snapshot) wrapped in a LogEntry. Borealis encodes them with TCompactProtocol and
// frames each record with a length and checksum. Names, ids and types follow Aurora's
// storage.thrift so that an Aurora backup can be read; removed ids stay unused.

namespace cpp borealis.storage
namespace java org.apache.aurora.gen.storage
namespace py gen.apache.aurora.storage

include "api.thrift"

struct SaveFrameworkId {
  1: string id
}

struct SaveCronJob {
  2: api.JobConfiguration jobConfig
}

// Deprecated lock ops: decoded and ignored.
struct SaveLock {
  1: api.Lock lock
}

struct RemoveLock {
  1: api.LockKey lockKey
}

struct RemoveJob {
  2: api.JobKey jobKey
}

// Inserts or replaces tasks by task id.
struct SaveTasks {
  1: set<api.ScheduledTask> tasks
}

struct RemoveTasks {
  1: set<string> taskIds
}

// A task whose TaskConfig was moved into the taskConfigs list next to it.
struct DeduplicatedScheduledTask {
  1: api.ScheduledTask partialScheduledTask  // assignedTask.task unset
  2: i32 taskConfigId  // index into taskConfigs
}

// Borealis: one task of SaveTasksDeduplicated: the fields of a ScheduledTask and its
// AssignedTask, with the TaskConfig replaced by its index in taskConfigs.
struct StoredTask {
  1: string taskId
  2: string slaveId
  3: string slaveHost
  4: map<string, i32> assignedPorts
  5: i32 instanceId
  6: api.ScheduleStatus status
  7: i32 failureCount
  8: i32 timesPartitioned
  9: list<api.TaskEvent> taskEvents
  10: string ancestorId
  11: i32 taskConfigId
}

// Borealis: SaveTasks with each distinct TaskConfig stored once (the tasks of a job share
// theirs), tasks in id order. Replaying it gives the same state as SaveTasks.
struct SaveTasksDeduplicated {
  1: list<StoredTask> tasks
  2: list<api.TaskConfig> taskConfigs
}

// Borealis: what a save changed in a task the log holds already (state::TaskDelta): the new
// status, the events appended, and the optional fields only when they changed. Everything
// else stays as the log had it.
struct StoredTaskChange {
  1: string taskId
  2: api.ScheduleStatus status
  3: list<api.TaskEvent> newEvents
  4: optional string slaveId
  5: optional string slaveHost
  6: optional map<string, i32> assignedPorts
  7: optional i32 failureCount
  8: optional i32 timesPartitioned
}

// Borealis: changes to tasks stored earlier in the log (a status update is a few dozen bytes
// instead of the whole task). A reader that does not know this op refuses the log.
struct SaveTaskChanges {
  1: list<StoredTaskChange> changes
}

struct SaveQuota {
  1: string role
  2: api.ResourceAggregate quota
}

struct RemoveQuota {
  1: string role
}

struct SaveHostAttributes {
  1: api.HostAttributes hostAttributes
}

struct SaveJobUpdate {
  1: api.JobUpdate jobUpdate
}

struct RemoveJobUpdates {
  1: set<api.JobUpdateKey> keys
}

// A job update with its full event history, as kept in snapshots.
struct StoredJobUpdateDetails {
  1: api.JobUpdateDetails details
}

struct SaveJobUpdateEvent {
  1: api.JobUpdateEvent event
  3: api.JobUpdateKey key
}

struct SaveJobInstanceUpdateEvent {
  1: api.JobInstanceUpdateEvent event
  3: api.JobUpdateKey key
}

// Keep at most perJobRetainCount finished updates per job, and none older than the threshold.
struct PruneJobUpdateHistory {
  1: i32 perJobRetainCount
  2: i64 historyPruneThresholdMs
}

struct SaveHostMaintenanceRequest {
  1: api.HostMaintenanceRequest hostMaintenanceRequest
}

struct RemoveHostMaintenanceRequest {
  1: string host
}

// One state change; exactly one member is set.
union Op {
  1: SaveFrameworkId saveFrameworkId
  2: SaveCronJob saveCronJob
  5: RemoveJob removeJob
  6: SaveTasks saveTasks
  7: RemoveTasks removeTasks
  8: SaveQuota saveQuota
  9: RemoveQuota removeQuota
  10: SaveHostAttributes saveHostAttributes
  12: SaveLock saveLock  // deprecated
  13: RemoveLock removeLock  // deprecated
  14: SaveJobUpdate saveJobUpdate
  15: SaveJobUpdateEvent saveJobUpdateEvent
  16: SaveJobInstanceUpdateEvent saveJobInstanceUpdateEvent
  17: PruneJobUpdateHistory pruneJobUpdateHistory
  18: RemoveJobUpdates removeJobUpdate
  19: SaveHostMaintenanceRequest saveHostMaintenanceRequest
  20: RemoveHostMaintenanceRequest removeHostMaintenanceRequest
  100: SaveTasksDeduplicated saveTasksDeduplicated  // Borealis; what the scheduler writes
  101: SaveTaskChanges saveTaskChanges  // Borealis; for tasks the log holds already
}

const i32 CURRENT_SCHEMA_VERSION = 1

// Ops applied atomically, in order.
struct Transaction {
  1: list<Op> ops
  2: i32 schemaVersion
}

struct StoredCronJob {
  3: api.JobConfiguration jobConfiguration
}

struct SchedulerMetadata {
  1: string frameworkId
  8: map<string, string> details
}

struct QuotaConfiguration {
  1: string role
  2: api.ResourceAggregate quota
}

// The whole state at one point; replaying later Transactions on it gives the current state.
struct Snapshot {
  1: i64 timestamp
  3: set<api.HostAttributes> hostAttributes
  4: set<api.ScheduledTask> tasks
  5: set<StoredCronJob> cronJobs
  6: SchedulerMetadata schedulerMetadata
  8: set<QuotaConfiguration> quotaConfigurations
  10: set<StoredJobUpdateDetails> jobUpdateDetails
  13: set<api.HostMaintenanceRequest> hostMaintenanceRequests
}

// A large entry split into chunks: a header (chunk count, MD5 of the whole) then the chunks.
struct FrameHeader {
  1: i32 chunkCount
  2: binary checksum
}

struct FrameChunk {
  2: binary data
}

union Frame {
  1: FrameHeader header
  2: FrameChunk chunk
}

// A Snapshot that stores each distinct TaskConfig once.
struct DeduplicatedSnapshot {
  1: Snapshot partialSnapshot  // tasks unset
  2: list<DeduplicatedScheduledTask> partialTasks
  3: list<api.TaskConfig> taskConfigs
}

// One record of the log.
union LogEntry {
  1: Snapshot snapshot
  2: Transaction transaction
  3: bool noop
  4: Frame frame
  5: binary deflatedEntry  // a zlib-deflated, binary-encoded LogEntry
  6: DeduplicatedSnapshot deduplicatedSnapshot
}
