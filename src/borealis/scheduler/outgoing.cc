#include "borealis/scheduler/outgoing.h"

#include "borealis/wire/convert.h"

namespace borealis::scheduler {

agentproto::AgentMessage AgentMessageBuilder::Build(const OutgoingMessage& message) {
  agentproto::AgentMessage msg;
  // Thrift's __set_x copies its argument even from an rvalue: assign and mark by hand.
  struct Fill {
    AgentMessageBuilder& self;
    agentproto::AgentMessage& msg;
    void operator()(const agentproto::AgentRegistered& m) {
      msg.registered = m;
      msg.__isset.registered = true;
    }
    void operator()(const agentproto::Acknowledge& m) {
      msg.acknowledge = m;
      msg.__isset.acknowledge = true;
    }
    void operator()(const agentproto::KillTask& m) {
      msg.killTask = m;
      msg.__isset.killTask = true;
    }
    void operator()(const agentproto::Reconcile& m) {
      msg.reconcile = m;
      msg.__isset.reconcile = true;
    }
    void operator()(const LaunchMessage& m) {
      const model::Task& task = *m.task;
      auto& cached = self.launch_config_;
      if (cached.first != task.config || !cached.first) {
        cached = {task.config, task.config ? wire::ToThrift(*task.config) : api::TaskConfig()};
      }
      msg.launchTask.task = wire::ToAssignedTask(task, cached.second);
      msg.__isset.launchTask = true;
    }
  };
  std::visit(Fill{*this, msg}, message);
  return msg;
}

agentproto::AgentMessage ToAgentMessage(const OutgoingMessage& message) {
  AgentMessageBuilder builder;
  return builder.Build(message);
}

}  // namespace borealis::scheduler
