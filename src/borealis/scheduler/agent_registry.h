// AgentRegistry: SchedulerCore's records of the agents (agent_records.h), with a lookup
// by id for the per-update and per-heartbeat paths, and their publication to readers.
//
// Publishing copies the records (not their AgentInfo, which is shared), so it happens only
// when something readers see changed (a registration, a connection or a loss: MarkChanged)
// or once a second, for last_seen_ms.
//
// Thread contract: the owner's thread; published maps are immutable and go anywhere.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "borealis/scheduler/agent_records.h"

namespace borealis::scheduler {

class AgentRegistry {
 public:
  const AgentRecords& records() const { return records_; }
  // The record of `id`, added empty when there is none.
  AgentRecord& Add(const model::AgentId& id);
  void Erase(const model::AgentId& id);
  AgentRecord* Find(const model::AgentId& id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : it->second;
  }
  // Readers must see the records again at the next Publish.
  void MarkChanged() { changed_ = true; }
  // The records as readers see them at `now_ms`: the previous copy unless they changed or
  // it is a second old.
  std::shared_ptr<const AgentRecords> Publish(int64_t now_ms);

 private:
  AgentRecords records_;
  // records_ by id (pointers into records_, whose nodes do not move).
  absl::flat_hash_map<model::AgentId, AgentRecord*> index_;
  bool changed_ = true;  // since the last Publish
  int64_t published_ms_ = 0;
  std::shared_ptr<const AgentRecords> published_;
};

}  // namespace borealis::scheduler
