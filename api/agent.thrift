// The agent channel: messages between borealis-scheduler and borealis-agent, one
// AgentMessage per WebSocket binary frame on the scheduler's /agent/v1, encoded with
// TCompactProtocol. Status updates are at-least-once: the agent keeps each update on
// disk until the scheduler acknowledges its uuid.

namespace cpp borealis.agentproto

include "api.thrift"

// Closed range [first, last]. (`begin`/`end` are reserved words of the Thrift compiler.)
struct PortRange {
  1: i32 first
  2: i32 last
}

// What an agent offers, in Borealis' integer units.
struct AgentResources {
  1: i64 milliCpus
  2: i64 ramMb
  3: i64 diskMb
  4: i64 gpus
  5: list<PortRange> ports
}

// A task the agent has an executor for, with the last state it knows.
struct AgentTask {
  1: string taskId
  2: api.ScheduleStatus status
}

// Agent → scheduler, first message of every session.
struct RegisterAgent {
  1: string agentId
  2: string host
  3: AgentResources resources
  4: map<string, list<string>> attributes
  5: list<AgentTask> tasks
  6: string version
  // The agent's HTTP port (observer, exec): clients reach the agent at host:httpPort.
  7: optional i32 httpPort
}

// Scheduler → agent, answer to RegisterAgent.
struct AgentRegistered {
  1: string agentId
  2: i32 heartbeatIntervalMs
  // The key this agent checks exec grants with (docs/architecture/exec-grants.md).
  3: optional binary execKey
}

// Agent → scheduler: a task changed state. Resent until acknowledged.
struct StatusUpdate {
  1: string uuid
  2: string taskId
  3: api.ScheduleStatus status
  4: string message
  5: i64 timestampMs
}

// Scheduler → agent: the update with this uuid is stored; the agent may forget it.
struct Acknowledge {
  1: string uuid
  2: string taskId
}

// Agent → scheduler, every heartbeatIntervalMs.
struct Heartbeat {
  1: i64 seq
}

// Scheduler → agent: start this task under a new executor.
struct LaunchTask {
  1: api.AssignedTask task
}

// Scheduler → agent: kill this task's processes.
struct KillTask {
  1: string taskId
  2: string message
}

// Scheduler → agent: send a StatusUpdate with the current state of each of these
// tasks; an empty list asks for every task the agent knows.
struct Reconcile {
  1: list<string> taskIds
}

union AgentMessage {
  1: RegisterAgent registerAgent
  2: AgentRegistered registered
  3: StatusUpdate statusUpdate
  4: Acknowledge acknowledge
  5: Heartbeat heartbeat
  6: LaunchTask launchTask
  7: KillTask killTask
  8: Reconcile reconcile
}
