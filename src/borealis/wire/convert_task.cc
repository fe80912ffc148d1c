// convert.h, runtime half: task events, tasks (ScheduledTask / AssignedTask) and agent
// registration.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/model/agent_info.h"
#include "borealis/model/port_range.h"
#include "borealis/model/task.h"
#include "borealis/model/task_config.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/field_path.h"

namespace borealis::wire {
namespace {

constexpr int32_t kMaxPort = 65535;

// Fills the AssignedTask fields of `out` except the config.
void DecodeAssignment(const api::AssignedTask& assigned, model::Task* out) {
  out->task_id = model::TaskId(assigned.taskId);
  out->agent_id = model::AgentId(assigned.slaveId);
  out->agent_host = assigned.slaveHost;
  out->assigned_ports = assigned.assignedPorts;
  out->instance_id = assigned.instanceId;
}

absl::StatusOr<std::vector<model::PortRange>> DecodePorts(
    const std::vector<agentproto::PortRange>& ports) {
  std::vector<model::PortRange> out;
  out.reserve(ports.size());
  for (size_t i = 0; i < ports.size(); ++i) {
    const agentproto::PortRange& p = ports[i];
    if (p.first < 0 || p.last > kMaxPort || p.first > p.last) {
      return FieldError(absl::StrCat("[", i, "]"),
                        absl::StrCat("bad port range ", p.first, "-", p.last));
    }
    out.push_back(model::PortRange{p.first, p.last});
  }
  return out;
}

}  // namespace

api::TaskEvent ToThrift(const model::TaskEvent& event) {
  api::TaskEvent e;
  e.__set_timestamp(event.timestamp_ms);
  e.__set_status(ToThrift(event.status));
  if (!event.message.empty()) e.__set_message(event.message);
  if (!event.scheduler.empty()) e.__set_scheduler(event.scheduler);
  return e;
}

absl::StatusOr<model::TaskEvent> FromThrift(const api::TaskEvent& event) {
  model::TaskEvent e;
  e.timestamp_ms = event.timestamp;
  ASSIGN_OR_RETURN(e.status, InField("status", FromThrift(event.status)));
  if (event.__isset.message) e.message = event.message;
  if (event.__isset.scheduler) e.scheduler = event.scheduler;
  return e;
}

api::AssignedTask ToAssignedTask(const model::Task& task) {
  return ToAssignedTask(task, task.config ? ToThrift(*task.config) : api::TaskConfig());
}

api::AssignedTask ToAssignedTask(const model::Task& task, api::TaskConfig config) {
  api::AssignedTask a;
  a.__set_taskId(task.task_id.str());
  a.__set_slaveId(task.agent_id.str());
  a.__set_slaveHost(task.agent_host);
  a.task = std::move(config);
  a.__isset.task = true;
  a.__set_assignedPorts(task.assigned_ports);
  a.__set_instanceId(task.instance_id);
  return a;
}

absl::StatusOr<model::Task> FromThrift(const api::AssignedTask& assigned) {
  ASSIGN_OR_RETURN(model::TaskConfig config, InField("task", FromThrift(assigned.task)));
  model::Task task;
  DecodeAssignment(assigned, &task);
  task.config = std::make_shared<const model::TaskConfig>(std::move(config));
  return task;
}

api::ScheduledTask ToThrift(const model::Task& task) {
  api::ScheduledTask s;
  s.assignedTask = ToAssignedTask(task);  // __set_assignedTask would copy it
  s.__set_status(ToThrift(task.status));
  s.__set_failureCount(task.failure_count);
  s.__set_timesPartitioned(task.times_partitioned);
  std::vector<api::TaskEvent> events;
  events.reserve(task.events.size());
  for (const model::TaskEvent& e : task.events) events.push_back(ToThrift(e));
  s.taskEvents = std::move(events);  // no isset: a required-by-default field
  s.__set_ancestorId(task.ancestor_id.str());
  return s;
}

absl::StatusOr<model::Task> FromThrift(const api::ScheduledTask& task) {
  ASSIGN_OR_RETURN(model::TaskConfig config,
                   InField("assignedTask.task", FromThrift(task.assignedTask.task)));
  return FromThrift(task, std::make_shared<const model::TaskConfig>(std::move(config)));
}

absl::StatusOr<model::Task> FromThrift(const api::ScheduledTask& task,
                                       std::shared_ptr<const model::TaskConfig> config) {
  if (config == nullptr) return FieldError("assignedTask.task", "missing");
  model::Task t;
  DecodeAssignment(task.assignedTask, &t);
  t.config = std::move(config);
  ASSIGN_OR_RETURN(t.status, InField("status", FromThrift(task.status)));
  t.failure_count = task.failureCount;
  t.times_partitioned = task.timesPartitioned;
  t.events.reserve(task.taskEvents.size());
  for (size_t i = 0; i < task.taskEvents.size(); ++i) {
    ASSIGN_OR_RETURN(model::TaskEvent event,
                     InField(absl::StrCat("taskEvents[", i, "]"), FromThrift(task.taskEvents[i])));
    t.events.push_back(std::move(event));
  }
  t.ancestor_id = model::TaskId(task.ancestorId);
  return t;
}

agentproto::RegisterAgent ToRegisterAgent(const model::AgentInfo& agent) {
  agentproto::AgentResources resources;
  resources.__set_milliCpus(agent.resources.milli_cpus);
  resources.__set_ramMb(agent.resources.ram_mb);
  resources.__set_diskMb(agent.resources.disk_mb);
  resources.__set_gpus(agent.resources.gpus);
  std::vector<agentproto::PortRange> ports;
  ports.reserve(agent.port_ranges.size());
  for (const model::PortRange& range : agent.port_ranges) {
    agentproto::PortRange p;
    p.__set_first(range.begin);
    p.__set_last(range.end);
    ports.push_back(p);
  }
  resources.__set_ports(std::move(ports));

  agentproto::RegisterAgent r;
  r.__set_agentId(agent.agent_id.str());
  r.__set_host(agent.host);
  r.__set_resources(std::move(resources));
  r.__set_attributes(agent.attributes);
  return r;
}

absl::StatusOr<model::AgentInfo> FromThrift(const agentproto::RegisterAgent& registration) {
  if (registration.agentId.empty()) return FieldError("agentId", "missing");
  if (registration.host.empty()) return FieldError("host", "missing");
  model::AgentInfo a;
  a.agent_id = model::AgentId(registration.agentId);
  a.host = registration.host;
  const agentproto::AgentResources& r = registration.resources;
  a.resources.milli_cpus = r.milliCpus;
  a.resources.ram_mb = r.ramMb;
  a.resources.disk_mb = r.diskMb;
  a.resources.gpus = r.gpus;
  ASSIGN_OR_RETURN(a.port_ranges, InField("resources.ports", DecodePorts(r.ports)));
  a.attributes = registration.attributes;
  if (registration.__isset.httpPort) {
    if (registration.httpPort < 0 || registration.httpPort > kMaxPort) {
      return FieldError("httpPort", "out of range");
    }
    a.http_port = registration.httpPort;
  }
  return a;
}

}  // namespace borealis::wire
