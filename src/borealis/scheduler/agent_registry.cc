#include "borealis/scheduler/agent_registry.h"

namespace borealis::scheduler {

AgentRecord& AgentRegistry::Add(const model::AgentId& id) {
  if (AgentRecord* rec = Find(id)) return *rec;
  AgentRecord& rec = records_[id];
  index_[id] = &rec;
  return rec;
}

void AgentRegistry::Erase(const model::AgentId& id) {
  index_.erase(id);
  records_.erase(id);
}

std::shared_ptr<const AgentRecords> AgentRegistry::Publish(int64_t now_ms) {
  if (changed_ || !published_ || now_ms - published_ms_ >= 1000) {
    published_ = std::make_shared<const AgentRecords>(records_);
    published_ms_ = now_ms;
    changed_ = false;
  }
  return published_;
}

}  // namespace borealis::scheduler
