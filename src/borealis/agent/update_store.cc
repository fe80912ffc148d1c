// Durable queue of unacknowledged status updates (see update_store.h).
#include "borealis/agent/update_store.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "borealis/agent/paths.h"

namespace borealis::agent {
namespace {

using nlohmann::json;

// "00000000000000000042.json" -> 42; nullopt for any other name.
std::optional<uint64_t> OrderFromName(absl::string_view name) {
  if (!absl::ConsumeSuffix(&name, ".json") || name.size() != 20) return std::nullopt;
  uint64_t order = 0;
  if (!absl::SimpleAtoi(name, &order)) return std::nullopt;
  return order;
}

}  // namespace

std::string EncodePendingUpdate(const PendingUpdate& update) {
  json doc = {
      {"uuid", update.uuid},
      {"task_id", update.task_id},
      {"status", std::string(model::StatusName(update.status))},
      {"message", update.message},
      {"timestamp_ms", update.timestamp_ms},
  };
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

absl::StatusOr<PendingUpdate> DecodePendingUpdate(std::string_view text) {
  try {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      return absl::InvalidArgumentError("update file: not a JSON object");
    }
    PendingUpdate out;
    out.uuid = doc.at("uuid").get<std::string>();
    out.task_id = doc.at("task_id").get<std::string>();
    std::string status = doc.at("status").get<std::string>();
    auto parsed = model::ParseStatus(status);
    if (!parsed) {
      return absl::InvalidArgumentError(absl::StrCat("update file: unknown status '", status, "'"));
    }
    out.status = *parsed;
    out.message = doc.value("message", std::string());
    out.timestamp_ms = doc.value("timestamp_ms", int64_t{0});
    if (out.uuid.empty() || out.task_id.empty()) {
      return absl::InvalidArgumentError("update file: empty uuid or task_id");
    }
    return out;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("update file: ", e.what()));
  }
}

absl::StatusOr<UpdateStore> UpdateStore::Open(std::string dir) {
  RETURN_IF_ERROR(MakeDirs(dir));
  UpdateStore store(std::move(dir));
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(store.dir_));
  std::vector<PendingUpdate> loaded;
  for (const std::string& name : names) {
    std::string path = store.dir_ + "/" + name;
    std::optional<uint64_t> order = OrderFromName(name);
    if (!order) {
      // A temp file from a write that never completed its rename.
      if (absl::StrContains(name, ".tmp.")) RETURN_IF_ERROR(RemoveFile(path));
      continue;
    }
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    absl::StatusOr<PendingUpdate> update = DecodePendingUpdate(text);
    if (!update.ok()) {
      return absl::DataLossError(absl::StrCat("'", path, "': ", update.status().message()));
    }
    update->order = *order;
    loaded.push_back(*std::move(update));
  }
  // ListDir sorts names, and fixed-width names sort by order.
  for (PendingUpdate& update : loaded) {
    store.next_order_ = std::max(store.next_order_, update.order + 1);
    if (store.by_uuid_.contains(update.uuid)) continue;  // cannot happen unless edited by hand
    store.by_uuid_[update.uuid] = update.task_id;
    store.by_task_[update.task_id].push_back(std::move(update));
  }
  return store;
}

std::string UpdateStore::FileFor(uint64_t order) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%020" PRIu64 ".json", order);
  return dir_ + "/" + name;
}

absl::StatusOr<PendingUpdate> UpdateStore::Add(PendingUpdate update) {
  if (by_uuid_.contains(update.uuid)) {
    return absl::AlreadyExistsError(absl::StrCat("update '", update.uuid, "' is already pending"));
  }
  update.order = next_order_;
  RETURN_IF_ERROR(base::WriteFileAtomically(FileFor(update.order), EncodePendingUpdate(update)));
  ++next_order_;
  by_uuid_[update.uuid] = update.task_id;
  by_task_[update.task_id].push_back(update);
  return update;
}

absl::StatusOr<std::optional<std::string>> UpdateStore::Acknowledge(const std::string& uuid) {
  auto found = by_uuid_.find(uuid);
  if (found == by_uuid_.end()) return std::optional<std::string>();
  std::string task_id = found->second;
  std::deque<PendingUpdate>& queue = by_task_[task_id];
  auto it = std::find_if(queue.begin(), queue.end(),
                         [&](const PendingUpdate& u) { return u.uuid == uuid; });
  if (it != queue.end()) {
    RETURN_IF_ERROR(RemoveFile(FileFor(it->order)));
    queue.erase(it);
  }
  if (queue.empty()) by_task_.erase(task_id);
  by_uuid_.erase(found);
  return std::optional<std::string>(task_id);
}

const PendingUpdate* UpdateStore::Head(const std::string& task_id) const {
  auto it = by_task_.find(task_id);
  if (it == by_task_.end() || it->second.empty()) return nullptr;
  return &it->second.front();
}

std::vector<const PendingUpdate*> UpdateStore::Heads() const {
  std::vector<const PendingUpdate*> heads;
  for (const auto& [task_id, queue] : by_task_) {
    if (!queue.empty()) heads.push_back(&queue.front());
  }
  std::sort(heads.begin(), heads.end(),
            [](const PendingUpdate* a, const PendingUpdate* b) { return a->order < b->order; });
  return heads;
}

std::vector<const PendingUpdate*> UpdateStore::All() const {
  std::vector<const PendingUpdate*> all;
  for (const auto& [task_id, queue] : by_task_) {
    for (const PendingUpdate& u : queue) all.push_back(&u);
  }
  std::sort(all.begin(), all.end(),
            [](const PendingUpdate* a, const PendingUpdate* b) { return a->order < b->order; });
  return all;
}

}  // namespace borealis::agent
