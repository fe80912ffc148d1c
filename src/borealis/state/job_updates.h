// JobUpdateTable: the durable records of job updates (Aurora's JobUpdateDetails), kept by
// ClusterState and changed only by its update Mutations (SaveJobUpdate, SaveJobUpdateEvent,
// SaveJobInstanceUpdateEvent, RemoveJobUpdates), which the log and the snapshot encode.
//
// Invariants: each record's summary status and times follow its events (created = first
// event, last modified = newest event, status = newest status event); a job has at most one
// active update, the one ActiveUpdate names. Records are shared with readers as immutable
// values: a change to a record a reader holds replaces it, so readers holding an older one
// (a published view) are unaffected; a record no reader holds is changed in place.
//
// Thread contract: owned by ClusterState's thread; readers get `records()` snapshots.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "borealis/model/job_key.h"
#include "borealis/model/job_update.h"

namespace borealis::state {

using UpdateRecords = std::map<model::JobUpdateKey, std::shared_ptr<const model::JobUpdateDetails>>;

// Inserts an update's record, or replaces its JobUpdate (keeping its events).
struct SaveJobUpdate {
  model::JobUpdate update;
};
// Appends a status event to an update; the update must be stored.
struct SaveJobUpdateEvent {
  model::JobUpdateKey key;
  model::JobUpdateEvent event;
};
struct SaveJobInstanceUpdateEvent {
  model::JobUpdateKey key;
  model::JobInstanceUpdateEvent event;
};
// Forgets updates (history pruning); unknown keys are ignored.
struct RemoveJobUpdates {
  std::vector<model::JobUpdateKey> keys;
};

class JobUpdateTable {
 public:
  void Apply(const SaveJobUpdate& m);
  void Apply(const SaveJobUpdateEvent& m);
  void Apply(const SaveJobInstanceUpdateEvent& m);
  void Apply(const RemoveJobUpdates& m);
  // Stores a whole record (snapshot recovery).
  void Restore(model::JobUpdateDetails details);

  const model::JobUpdateDetails* Find(const model::JobUpdateKey& key) const;
  // The job's update in an active status, if any.
  std::optional<model::JobUpdateKey> ActiveUpdate(const model::JobKey& job) const;
  const std::map<model::JobKey, model::JobUpdateKey>& active() const { return active_; }
  // Every record, by key. The map is shared with readers: a change after records() was
  // called copies it once (pointers only), never the records.
  std::shared_ptr<const UpdateRecords> records() const;
  size_t size() const { return records_ ? records_->size() : 0; }

 private:
  UpdateRecords& Mutable();
  void Store(std::shared_ptr<model::JobUpdateDetails> d);
  // The stored record of `key` to change in place (copied first when a reader holds it);
  // null when unknown. Restamp after changing it.
  model::JobUpdateDetails* Edit(const model::JobUpdateKey& key);
  // The summary's status and times from the events, and the job's active update.
  void Restamp(model::JobUpdateDetails& d);

  std::shared_ptr<UpdateRecords> records_ = std::make_shared<UpdateRecords>();
  mutable bool shared_ = false;  // records() handed records_ out: copy before changing
  std::map<model::JobKey, model::JobUpdateKey> active_;
};

}  // namespace borealis::state
