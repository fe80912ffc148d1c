// Human-readable `job status` output:
//
//   Job devcluster/www-data/devel/hello_world
//     Active tasks (2):
//       INSTANCE  STATUS   HOST       PORTS      TASK ID
//       0         RUNNING  127.0.0.2  http=31001 www-data-devel-hello_world-0-...
//       1         PENDING  -          -          www-data-devel-hello_world-1-...
//                 pending: Insufficient resources: ram
//                 events:
//                  2026-12-07 19:48:35.120 UTC PENDING
//                  2026-12-07 19:48:35.131 UTC ASSIGNED
//     Inactive tasks (3): 2 FINISHED, 1 FAILED
//
// Each active task's events (the history the scheduler keeps, --max-task-events) follow it
// oldest first, as Aurora's `job status` printed them ("<time> <STATUS>: <message>"), with
// exact UTC times.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "borealis/cli/job_commands.h"
#include "borealis/model/schedule_status.h"

namespace borealis::cli {
namespace {

std::string StatusName(const api::ScheduledTask& task) {
  auto s = model::StatusFromInt(static_cast<int>(task.status));
  return s.has_value() ? std::string(model::StatusName(*s))
                       : absl::StrCat(static_cast<int>(task.status));
}

std::string Ports(const api::AssignedTask& task) {
  std::vector<std::string> parts;
  for (const auto& [name, port] : task.assignedPorts) parts.push_back(absl::StrCat(name, "=", port));
  return parts.empty() ? "-" : absl::StrJoin(parts, ",");
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + "  " : s + std::string(width - s.size() + 2, ' ');
}

// The task's events, oldest first, one line each under `indent`.
std::string FormatEvents(const api::ScheduledTask& task, const std::string& indent) {
  if (task.taskEvents.empty()) return "";
  std::vector<api::TaskEvent> events = task.taskEvents;
  std::stable_sort(events.begin(), events.end(),
                   [](const api::TaskEvent& a, const api::TaskEvent& b) {
                     return a.timestamp < b.timestamp;
                   });
  std::string out = absl::StrCat(indent, "events:\n");
  for (const api::TaskEvent& e : events) {
    auto status = model::StatusFromInt(static_cast<int>(e.status));
    const std::string name = status.has_value() ? std::string(model::StatusName(*status))
                                                : absl::StrCat(static_cast<int>(e.status));
    absl::StrAppend(&out, indent, " ",
                    absl::FormatTime("%Y-%m-%d %H:%M:%E3S UTC", absl::FromUnixMillis(e.timestamp),
                                     absl::UTCTimeZone()),
                    " ", name, e.message.empty() ? "" : ": " + e.message, "\n");
  }
  return out;
}

}  // namespace

std::string FormatJobStatus(const std::string& job, const std::vector<api::ScheduledTask>& active,
                            const std::vector<api::ScheduledTask>& inactive,
                            const std::map<std::string, std::string>& pending_reasons) {
  std::string out = absl::StrCat("Job ", job, "\n  Active tasks (", active.size(), "):\n");
  if (!active.empty()) {
    std::vector<std::vector<std::string>> rows = {{"INSTANCE", "STATUS", "HOST", "PORTS", "TASK ID"}};
    for (const api::ScheduledTask& t : active) {
      const api::AssignedTask& a = t.assignedTask;
      rows.push_back({std::to_string(a.instanceId), StatusName(t),
                      a.slaveHost.empty() ? "-" : a.slaveHost, Ports(a), a.taskId});
    }
    std::vector<size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      std::string line = "    ";
      for (size_t i = 0; i + 1 < rows[r].size(); ++i) absl::StrAppend(&line, Pad(rows[r][i], widths[i]));
      absl::StrAppend(&out, line, rows[r].back(), "\n");
      if (r == 0) continue;
      const std::string indent = "    " + std::string(widths[0] + 2, ' ');  // under STATUS
      auto reason = pending_reasons.find(active[r - 1].assignedTask.taskId);
      if (reason != pending_reasons.end() && !reason->second.empty()) {
        absl::StrAppend(&out, indent, "pending: ", reason->second, "\n");
      }
      absl::StrAppend(&out, FormatEvents(active[r - 1], indent));
    }
  }
  std::map<std::string, int> counts;
  for (const api::ScheduledTask& t : inactive) ++counts[StatusName(t)];
  std::vector<std::string> parts;
  for (const auto& [name, n] : counts) parts.push_back(absl::StrCat(n, " ", name));
  absl::StrAppend(&out, "  Inactive tasks (", inactive.size(), ")",
                  parts.empty() ? "" : ": " + absl::StrJoin(parts, ", "), "\n");
  return out;
}

}  // namespace borealis::cli
