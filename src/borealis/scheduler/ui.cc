#include "borealis/scheduler/ui.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "borealis/model/job_key.h"

namespace borealis::scheduler {

namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Page(const std::string& title, const std::string& body) {
  return absl::StrCat(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>", Escape(title),
      "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#eee}"
      ".RUNNING{color:#080}.PENDING{color:#a60}.FAILED,.LOST{color:#c00}</style></head><body>",
      body, "</body></html>");
}

net::HttpResponse Html(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

net::HttpResponse JobsPage(const SchedulerView& view, const std::string& cluster) {
  struct Counts { int active = 0, pending = 0, terminal = 0; };
  std::map<model::JobKey, Counts> jobs;
  for (const auto& [id, t] : *view.tasks) {
    Counts& c = jobs[t->job()];
    if (t->status == model::ScheduleStatus::kPending || t->status == model::ScheduleStatus::kThrottled) {
      ++c.pending;
    } else if (model::IsActive(t->status)) {
      ++c.active;
    } else {
      ++c.terminal;
    }
  }
  std::string rows;
  for (const auto& [key, c] : jobs) {
    const std::string path = absl::StrCat("/scheduler/", key.role, "/", key.environment, "/", key.name);
    absl::StrAppend(&rows, "<tr><td><a href=\"", Escape(path), "\">", Escape(key.ToString()),
                    "</a></td><td>", c.active, "</td><td>", c.pending, "</td><td>", c.terminal,
                    "</td></tr>");
  }
  std::string agents;
  for (const auto& [id, a] : *view.agents) {
    absl::StrAppend(&agents, "<tr><td>", Escape(a.info->host), "</td><td>", Escape(id.str()), "</td><td>",
                    a.connected ? "connected" : "disconnected", "</td></tr>");
  }
  return Html(200, Page("Borealis: " + cluster,
                        absl::StrCat("<h1>Borealis cluster ", Escape(cluster), "</h1><h2>Jobs</h2>",
                                     "<table><tr><th>job</th><th>active</th><th>pending</th>"
                                     "<th>finished</th></tr>",
                                     rows, "</table><h2>Agents</h2><table><tr><th>host</th>"
                                     "<th>agent id</th><th>session</th></tr>",
                                     agents, "</table>")));
}

net::HttpResponse TasksPage(const SchedulerView& view, const model::JobKey& key) {
  std::string rows;
  for (const auto& [id, t] : *view.tasks) {
    if (t->job() != key) continue;
    const std::string status(model::StatusName(t->status));
    std::string note = t->events.empty() ? "" : t->events.back().message;
    const PendingReason* why =
        t->status == model::ScheduleStatus::kPending ? view.pending_reasons->Find(*t) : nullptr;
    if (why != nullptr) note = absl::StrCat(why->text, " (tried at ", why->tried_ms, " ms)");
    absl::StrAppend(&rows, "<tr><td>", t->instance_id, "</td><td>", Escape(t->task_id.str()), "</td><td class=\"",
                    status, "\">", status, "</td><td>", Escape(t->agent_host), "</td><td>",
                    Escape(note), "</td></tr>");
  }
  return Html(200, Page(key.ToString(),
                        absl::StrCat("<p><a href=\"/\">all jobs</a></p><h1>", Escape(key.ToString()),
                                     "</h1><table><tr><th>instance</th><th>task</th><th>status</th>"
                                     "<th>host</th><th>last message</th></tr>",
                                     rows, "</table>")));
}

}  // namespace

net::HttpResponse RenderUi(const SchedulerView& view, const std::string& cluster,
                           const net::HttpRequest& request) {
  if (request.path == "/" || request.path == "/scheduler" || request.path == "/scheduler/") {
    return JobsPage(view, cluster);
  }
  std::vector<std::string> parts = absl::StrSplit(request.path, '/', absl::SkipEmpty());
  if (parts.size() == 4 && parts[0] == "scheduler") {
    return TasksPage(view, model::JobKey{parts[1], parts[2], parts[3]});
  }
  return Html(404, Page("not found", "<h1>Not found</h1><p><a href=\"/\">all jobs</a></p>"));
}

}  // namespace borealis::scheduler
