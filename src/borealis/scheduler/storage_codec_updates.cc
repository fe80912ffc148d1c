#include "borealis/scheduler/storage_codec_updates.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/wire/convert_update.h"

namespace borealis::scheduler {

namespace {
absl::Status Damaged(const std::string& what, const absl::Status& s) {
  return absl::DataLossError(absl::StrCat(what, ": ", s.message()));
}
}  // namespace

void EncodeUpdateOp(const state::Mutation& m, storage::Op* op) {
  if (const auto* save = std::get_if<state::SaveJobUpdate>(&m)) {
    storage::SaveJobUpdate s;
    s.__set_jobUpdate(wire::ToThrift(save->update));
    op->__set_saveJobUpdate(std::move(s));
  } else if (const auto* event = std::get_if<state::SaveJobUpdateEvent>(&m)) {
    storage::SaveJobUpdateEvent s;
    s.__set_event(wire::ToThrift(event->event));
    s.__set_key(wire::ToThrift(event->key));
    op->__set_saveJobUpdateEvent(std::move(s));
  } else if (const auto* ievent = std::get_if<state::SaveJobInstanceUpdateEvent>(&m)) {
    storage::SaveJobInstanceUpdateEvent s;
    s.__set_event(wire::ToThrift(ievent->event));
    s.__set_key(wire::ToThrift(ievent->key));
    op->__set_saveJobInstanceUpdateEvent(std::move(s));
  } else if (const auto* remove = std::get_if<state::RemoveJobUpdates>(&m)) {
    storage::RemoveJobUpdates s;
    for (const auto& key : remove->keys) s.keys.insert(wire::ToThrift(key));
    s.__isset.keys = true;
    op->__set_removeJobUpdate(std::move(s));
  }
}

bool IsUpdateOp(const storage::Op& op) {
  return op.__isset.saveJobUpdate || op.__isset.saveJobUpdateEvent ||
         op.__isset.saveJobInstanceUpdateEvent || op.__isset.removeJobUpdate;
}

absl::StatusOr<state::Mutation> DecodeUpdateOp(const storage::Op& op) {
  if (op.__isset.saveJobUpdate) {
    auto update = wire::FromThrift(op.saveJobUpdate.jobUpdate);
    if (!update.ok()) return Damaged("saveJobUpdate.jobUpdate", update.status());
    return state::Mutation(state::SaveJobUpdate{std::move(*update)});
  }
  if (op.__isset.saveJobUpdateEvent) {
    auto event = wire::FromThrift(op.saveJobUpdateEvent.event);
    if (!event.ok()) return Damaged("saveJobUpdateEvent.event", event.status());
    return state::Mutation(
        state::SaveJobUpdateEvent{wire::FromThrift(op.saveJobUpdateEvent.key), *event});
  }
  if (op.__isset.saveJobInstanceUpdateEvent) {
    auto event = wire::FromThrift(op.saveJobInstanceUpdateEvent.event);
    if (!event.ok()) return Damaged("saveJobInstanceUpdateEvent.event", event.status());
    return state::Mutation(state::SaveJobInstanceUpdateEvent{
        wire::FromThrift(op.saveJobInstanceUpdateEvent.key), *event});
  }
  state::RemoveJobUpdates remove;
  for (const auto& key : op.removeJobUpdate.keys) remove.keys.push_back(wire::FromThrift(key));
  return state::Mutation(std::move(remove));
}

void EncodeUpdateRecords(const state::ClusterState& state, storage::Snapshot* snap) {
  for (const auto& [key, details] : *state.updates().records()) {
    storage::StoredJobUpdateDetails stored;
    stored.__set_details(wire::ToThrift(*details));
    snap->jobUpdateDetails.insert(std::move(stored));
  }
  snap->__isset.jobUpdateDetails = true;
}

absl::Status DecodeUpdateRecords(const storage::Snapshot& snap, state::ClusterState* out) {
  size_t i = 0;
  for (const auto& stored : snap.jobUpdateDetails) {
    auto details = wire::FromThrift(stored.details);
    if (!details.ok()) {
      return Damaged(absl::StrCat("jobUpdateDetails[", i, "]"), details.status());
    }
    out->RestoreUpdate(std::move(*details));
    ++i;
  }
  return absl::OkStatus();
}

}  // namespace borealis::scheduler
