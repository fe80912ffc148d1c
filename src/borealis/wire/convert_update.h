// Conversions of job updates (model/job_update.h) to and from api.thrift's JobUpdate*
// structs, with the same contract as convert.h: ToThrift never fails and sets every field
// it writes; FromThrift checks shape only (enum values known, a strategy union with one
// member) and names the field in its InvalidArgument errors. Stateless and thread-safe.
#pragma once

#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/model/job_update.h"
#include "gen-cpp/api_types.h"

namespace borealis::wire {

api::JobUpdateKey ToThrift(const model::JobUpdateKey& key);
model::JobUpdateKey FromThrift(const api::JobUpdateKey& key);

std::set<api::Range> ToThrift(const std::vector<model::Range>& ranges);
std::vector<model::Range> FromThrift(const std::set<api::Range>& ranges);

api::JobUpdateSettings ToThrift(const model::JobUpdateSettings& settings);
absl::StatusOr<model::JobUpdateSettings> FromThrift(const api::JobUpdateSettings& settings);

api::JobUpdateEvent ToThrift(const model::JobUpdateEvent& event);
absl::StatusOr<model::JobUpdateEvent> FromThrift(const api::JobUpdateEvent& event);
api::JobInstanceUpdateEvent ToThrift(const model::JobInstanceUpdateEvent& event);
absl::StatusOr<model::JobInstanceUpdateEvent> FromThrift(const api::JobInstanceUpdateEvent& event);

api::JobUpdateSummary ToThrift(const model::JobUpdateSummary& summary);
api::JobUpdate ToThrift(const model::JobUpdate& update);
absl::StatusOr<model::JobUpdate> FromThrift(const api::JobUpdate& update);
api::JobUpdateDetails ToThrift(const model::JobUpdateDetails& details);
absl::StatusOr<model::JobUpdateDetails> FromThrift(const api::JobUpdateDetails& details);

}  // namespace borealis::wire
