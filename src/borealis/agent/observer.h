// The observer: what runs on this agent, as JSON and as server-rendered HTML pages, on
// the agent's HTTP port (docs/aurora-compatibility.md; docs/observer.md lists the endpoints).
//
//   GET /observer/api/tasks                              active and finished tasks
//   GET /observer/api/task/<id>                          processes, runs, usage now
//   GET /observer/api/task/<id>/logs/<proc>/<run>/<stdout|stderr>?offset=N&length=M
//       [&wait_ms=W]  with nothing past `offset`, waits up to W ms for the log to grow
//   GET /observer/api/task/<id>/browse/<path>            a directory listing
//   GET /observer/api/task/<id>/download/<path>          file bytes (?offset=&length=, Range)
//   GET /observer, /observer/task/<id>, /observer/task/<id>/logs/..., /observer/task/<id>/
//       browse/<path>                                    the same as pages
//
// Paths are resolved inside the task directory by observer_fs.h's rule. The server
// percent-decodes the request path once; nothing here decodes again. Answers: 400 for a
// malformed request (bad task id, bad path, bad offset), 404 for an unknown task or a
// missing or refused path. Every name and message written into HTML is escaped and the
// pages load nothing from elsewhere.
// Thread contract: Handle() may run on any number of threads at once; the task list comes
// from a function that must be thread-safe (the daemon's published snapshot).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "borealis/agent/agent_core.h"
#include "borealis/agent/observer_fs.h"
#include "borealis/agent/observer_tasks.h"
#include "borealis/agent/paths.h"
#include "borealis/base/clock.h"
#include "borealis/net/http.h"
#include "borealis/net/http_server.h"

namespace borealis::agent {

struct ObserverOptions {
  std::string work_dir;
  // The agent's tasks now (thread-safe).
  std::function<std::vector<TaskView>()> tasks;
  int64_t default_log_bytes = 64 << 10;   // a log slice when no length is given
  int64_t max_log_bytes = 1 << 20;        // the most one log slice returns
  int64_t max_download_bytes = 16 << 20;  // the most one download returns
  int64_t max_log_wait_ms = 10'000;       // the longest a log read waits for growth
  const base::Clock* clock = nullptr;     // for log waits; none: reads never wait
};

class Observer {
 public:
  explicit Observer(ObserverOptions options);

  // Adds the routes above to `server`.
  void Register(net::HttpServer& server);
  // Answers one request under /observer.
  net::HttpResponse Handle(const net::HttpRequest& request) const;

 private:
  // A parsed request path: /observer[/api]/task/<id>/<verb>/<rest>.
  struct Target {
    bool api = false;
    std::string task_id;  // empty: the task list
    std::string verb;     // "", "logs", "browse", "download"
    std::string rest;     // what follows the verb, undecoded further
    bool has_rest = false;
  };
  // A log request's parts.
  struct LogRef {
    std::string process;
    int run = 0;
    std::string stream;
    std::string RelativePath() const;
  };

  std::optional<TaskView> FindTask(const std::string& task_id) const;
  static absl::StatusOr<LogRef> ParseLogRef(const std::string& rest);

  // JSON answers (observer.cc).
  net::HttpResponse TasksJson() const;
  net::HttpResponse TaskJson(const TaskView& view) const;
  net::HttpResponse LogJson(const TaskView& view, const std::string& rest,
                            const net::HttpRequest& request) const;
  int64_t WaitForGrowth(const OpenedPath& file, int64_t offset, int64_t wait_ms) const;
  net::HttpResponse BrowseJson(const TaskView& view, const std::string& rest) const;
  net::HttpResponse Download(const TaskView& view, const std::string& rest,
                             const net::HttpRequest& request) const;

  // HTML pages (observer_html.cc).
  net::HttpResponse TasksPage() const;
  net::HttpResponse TaskPage(const TaskView& view) const;
  net::HttpResponse LogPage(const TaskView& view, const std::string& rest) const;
  net::HttpResponse BrowsePage(const TaskView& view, const std::string& rest) const;

  ObserverOptions options_;
  AgentPaths paths_;
};

// Escapes text for HTML element content and quoted attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace borealis::agent
