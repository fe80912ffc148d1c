// The observer's pages (see observer.h): plain server-rendered HTML, every outside string
// escaped, no external assets. The log page tails with a few lines of inline script that
// poll the JSON API and write with textContent (never as markup).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "borealis/agent/observer.h"
#include "borealis/agent/observer_fs.h"
#include "borealis/net/url.h"

namespace borealis::agent {
namespace {

constexpr char kStyle[] =
    "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
    "pre{background:#f6f6f6;padding:8px;white-space:pre-wrap;word-break:break-all}";

std::string Page(const std::string& title, const std::string& body) {
  return absl::StrCat("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>",
                      HtmlEscape(title), "</title><style>", kStyle, "</style></head><body>",
                      "<p><a href=\"/observer\">observer</a></p>\n", body, "</body></html>\n");
}

net::HttpResponse Html(int status, const std::string& title, const std::string& body) {
  return net::HttpResponse::Of(status, "text/html; charset=utf-8", Page(title, body));
}

net::HttpResponse HtmlError(const absl::Status& status) {
  int code = absl::IsInvalidArgument(status) ? 400 : absl::IsNotFound(status) ? 404 : 500;
  return Html(code, "error",
              absl::StrCat("<p>", HtmlEscape(std::string(status.message())), "</p>"));
}

std::string Time(int64_t ms) {
  if (ms <= 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

std::string Bytes(int64_t n) {
  if (n >= (int64_t{1} << 30)) return absl::StrCat(n >> 20, " MiB");
  if (n >= (int64_t{1} << 20)) return absl::StrCat(n >> 10, " KiB");
  return absl::StrCat(n, " B");
}

// A URL path segment (or several, keeping '/'), percent-encoded, then escaped for an
// attribute.
std::string Href(std::string_view path) { return HtmlEscape(net::PercentEncode(path, true)); }

std::string TaskHref(const std::string& task_id) {
  return absl::StrCat("/observer/task/", Href(task_id));
}

std::string TaskRow(const ObservedTask& task) {
  return absl::StrCat(
      "<tr><td><a href=\"", TaskHref(task.task_id), "\">", HtmlEscape(task.task_id),
      "</a></td><td>",
      HtmlEscape(absl::StrCat(task.role, "/", task.environment, "/", task.job_name)), "</td><td>",
      task.instance, "</td><td>", HtmlEscape(task.state), "</td><td>", Time(task.start_ms),
      "</td><td>", Time(task.finish_ms), "</td><td>", HtmlEscape(task.last_message),
      "</td></tr>\n");
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

net::HttpResponse Observer::TasksPage() const {
  std::string active, finished;
  std::vector<TaskView> views = options_.tasks ? options_.tasks() : std::vector<TaskView>();
  for (const TaskView& view : views) {
    ObservedTask task = LoadObservedTask(paths_, view);
    absl::StrAppend(task.active ? &active : &finished, TaskRow(task));
  }
  constexpr char kHead[] =
      "<table><tr><th>task</th><th>job</th><th>instance</th><th>state</th><th>started</th>"
      "<th>finished</th><th>message</th></tr>\n";
  std::string body = absl::StrCat("<h1>Tasks on this agent</h1><h2>Active</h2>", kHead, active,
                                  "</table><h2>Finished</h2>", kHead, finished, "</table>");
  return Html(200, "observer", body);
}

net::HttpResponse Observer::TaskPage(const TaskView& view) const {
  ObservedTask task = LoadObservedTask(paths_, view);
  LoadRunHistory(paths_, task);
  TaskUsage usage = MeasureUsage(paths_, task);
  std::string body = absl::StrCat(
      "<h1>Task ", HtmlEscape(task.task_id), "</h1><table>", "<tr><th>job</th><td>",
      HtmlEscape(absl::StrCat(task.role, "/", task.environment, "/", task.job_name)),
      "</td></tr><tr><th>instance</th><td>", task.instance, "</td></tr>", "<tr><th>state</th><td>",
      HtmlEscape(task.state), "</td></tr>", "<tr><th>message</th><td>",
      HtmlEscape(task.last_message), "</td></tr>", "<tr><th>started</th><td>", Time(task.start_ms),
      "</td></tr>", "<tr><th>finished</th><td>", Time(task.finish_ms), "</td></tr>",
      "<tr><th>asked</th><td>cpu ", task.cpu, ", ram ", Bytes(task.ram_bytes), ", disk ",
      Bytes(task.disk_bytes), "</td></tr>", "<tr><th>using</th><td>cpu ",
      absl::StrFormat("%.2f", usage.cpu_seconds), " s, rss ", Bytes(usage.rss_bytes), " in ",
      usage.processes, " process(es), disk ", Bytes(usage.disk_bytes), "</td></tr>");
  for (const auto& [name, port] : task.ports) {
    absl::StrAppend(&body, "<tr><th>port ", HtmlEscape(name), "</th><td>", port, "</td></tr>");
  }
  absl::StrAppend(&body, "</table><p><a href=\"", TaskHref(task.task_id),
                  "/browse/\">browse the sandbox</a></p><h2>Processes</h2>",
                  "<table><tr><th>process</th><th>run</th><th>state</th><th>pid</th>"
                  "<th>exit code</th><th>started</th><th>stopped</th><th>logs</th></tr>\n");
  for (const ObservedProcess& process : task.processes) {
    if (process.history.empty()) {  // not started yet
      absl::StrAppend(&body, "<tr><td>", HtmlEscape(process.name), "</td><td></td><td>",
                      HtmlEscape(process.state), "</td><td></td><td></td><td></td><td></td>",
                      "<td></td></tr>\n");
    }
    for (const ObservedRun& run : process.history) {
      std::string logs =
          absl::StrCat(TaskHref(task.task_id), "/logs/", Href(process.name), "/", run.run, "/");
      absl::StrAppend(
          &body, "<tr><td>", HtmlEscape(process.name), "</td><td>", run.run, "</td><td>",
          HtmlEscape(run.state), "</td><td>", run.pid > 0 ? absl::StrCat(run.pid) : "", "</td><td>",
          run.exit_code >= 0 ? absl::StrCat(run.exit_code) : "", "</td><td>", Time(run.start_ms),
          "</td><td>", Time(run.stop_ms), "</td><td><a href=\"", logs,
          "stdout\">stdout</a> <a href=\"", logs, "stderr\">stderr</a></td></tr>\n");
    }
  }
  absl::StrAppend(&body, "</table>");
  return Html(200, absl::StrCat("task ", task.task_id), body);
}

net::HttpResponse Observer::LogPage(const TaskView& view, const std::string& rest) const {
  absl::StatusOr<LogRef> ref = ParseLogRef(rest);
  if (!ref.ok()) return HtmlError(ref.status());
  absl::StatusOr<Fd> root = OpenRoot(paths_.TaskDir(view.task_id));
  if (!root.ok()) return HtmlError(root.status());
  absl::StatusOr<OpenedPath> file = OpenContained(root->get(), ref->RelativePath());
  if (!file.ok()) return HtmlError(file.status());
  std::string api = absl::StrCat("/observer/api/task/", net::PercentEncode(view.task_id), "/logs/",
                                 net::PercentEncode(ref->process), "/", ref->run, "/", ref->stream);
  // The script reads its URL from a data attribute, so no outside text is ever inside it.
  constexpr char kScript[] = R"(<script>
(function () {
  var el = document.getElementById('log'), api = el.dataset.api, offset = -65536;
  var status = document.getElementById('status');
  function poll() {
    fetch(api + '?offset=' + offset + '&length=65536').then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (j) {
      if (offset >= 0 && j.file_size < offset) { el.textContent = ''; offset = 0; }
      else { offset = j.offset + j.length; el.textContent += j.data; }
      if (el.textContent.length > 1048576) el.textContent = el.textContent.slice(-524288);
      status.textContent = j.file_size + ' bytes';
      setTimeout(poll, j.length >= 65536 ? 0 : 1000);
    }).catch(function (e) { status.textContent = String(e); setTimeout(poll, 3000); });
  }
  poll();
})();
</script>)";
  std::string body = absl::StrCat(
      "<h1>", HtmlEscape(ref->process), " run ", ref->run, " ", HtmlEscape(ref->stream),
      "</h1><p>task <a href=\"", TaskHref(view.task_id), "\">", HtmlEscape(view.task_id),
      "</a> &middot; <a href=\"/observer/api/task/", Href(view.task_id), "/download/sandbox/.logs/",
      Href(ref->process), "/", ref->run, "/", ref->stream,
      "\">download</a> &middot; <span id=\"status\"></span></p><pre id=\"log\" data-api=\"",
      HtmlEscape(api), "\"></pre>", kScript);
  return Html(200, absl::StrCat(ref->process, " ", ref->stream), body);
}

net::HttpResponse Observer::BrowsePage(const TaskView& view, const std::string& rest) const {
  absl::StatusOr<Fd> root = OpenRoot(paths_.TaskDir(view.task_id));
  if (!root.ok()) return HtmlError(root.status());
  absl::StatusOr<OpenedPath> opened = OpenContained(root->get(), rest);
  if (!opened.ok()) return HtmlError(opened.status());
  std::string dir = rest;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  std::string base = absl::StrCat(TaskHref(view.task_id), "/browse/");
  std::string download =
      absl::StrCat("/observer/api/task/", Href(view.task_id), "/download/", Href(rest));
  std::string body = absl::StrCat("<h1><a href=\"", TaskHref(view.task_id), "\">",
                                  HtmlEscape(view.task_id), "</a>: /", HtmlEscape(rest), "</h1>");
  if (!opened->is_dir) {
    constexpr int64_t kPreviewBytes = 64 << 10;
    absl::StatusOr<std::string> head = ReadAt(*opened, 0, kPreviewBytes);
    if (!head.ok()) return HtmlError(head.status());
    absl::StrAppend(&body, "<p>", Bytes(opened->size), ", modified ", Time(opened->mtime_ms),
                    " &middot; <a href=\"", download, "\">download</a></p>",
                    opened->size > kPreviewBytes ? "<p>(the first 64 KiB)</p>" : "", "<pre>",
                    HtmlEscape(*head), "</pre>");
    return Html(200, rest, body);
  }
  absl::StatusOr<std::vector<DirEntry>> entries = ListEntries(*opened);
  if (!entries.ok()) return HtmlError(entries.status());
  absl::StrAppend(&body,
                  "<table><tr><th>name</th><th>type</th><th>size</th><th>modified</th></tr>\n");
  for (const DirEntry& entry : *entries) {
    bool linkable = entry.type == EntryType::kFile || entry.type == EntryType::kDirectory;
    std::string name = HtmlEscape(entry.name);
    std::string cell =
        linkable ? absl::StrCat("<a href=\"", base, Href(dir + entry.name),
                                entry.type == EntryType::kDirectory ? "/" : "", "\">", name, "</a>")
                 : name;
    absl::StrAppend(&body, "<tr><td>", cell, "</td><td>", std::string(EntryTypeName(entry.type)),
                    "</td><td>", entry.size, "</td><td>", Time(entry.mtime_ms), "</td></tr>\n");
  }
  absl::StrAppend(&body, "</table>");
  return Html(200, rest.empty() ? view.task_id : rest, body);
}

}  // namespace borealis::agent
