// The observer's routing and its JSON API (see observer.h); the pages are in
// observer_html.cc.
#include "borealis/agent/observer.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/agent/observer_fs.h"

namespace borealis::agent {
namespace {

constexpr std::string_view kPrefix = "/observer";

std::string Dump(const nlohmann::json& doc) {
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

net::HttpResponse Json(int status, const nlohmann::json& doc) {
  return net::HttpResponse::Of(status, "application/json", Dump(doc));
}

int HttpCodeFor(const absl::Status& status) {
  if (absl::IsInvalidArgument(status)) return 400;
  if (absl::IsNotFound(status)) return 404;
  if (absl::IsOutOfRange(status)) return 416;
  return 500;
}

net::HttpResponse JsonError(const absl::Status& status) {
  return Json(HttpCodeFor(status), {{"error", std::string(status.message())}});
}

// A file name safe inside a quoted Content-Disposition value.
std::string SafeFileName(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out.empty() ? "download" : out;
}

absl::StatusOr<int64_t> QueryInt(const net::HttpRequest& request, const std::string& name,
                                 int64_t fallback) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("'", name, "' must be an integer"));
  }
  return value;
}

// The byte range a download asks for, as [first, first + count) of a file of `size` bytes.
struct ByteRange {
  int64_t first = 0;
  int64_t count = 0;
  bool partial = false;  // asked with Range, offset or length
};

absl::StatusOr<ByteRange> DownloadRange(const net::HttpRequest& request, int64_t size) {
  ByteRange range{0, size, false};
  std::string header = request.Header("range");
  if (!header.empty()) {
    // bytes=a-b, bytes=a- or bytes=-n; one range only.
    if (!absl::StartsWith(header, "bytes=") || header.find(',') != std::string::npos) {
      return absl::InvalidArgumentError("Range: only one 'bytes=' range is supported");
    }
    std::string spec = header.substr(6);
    size_t dash = spec.find('-');
    if (dash == std::string::npos) return absl::InvalidArgumentError("Range: expected a-b");
    std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
    int64_t first = 0, last = size - 1;
    if (a.empty()) {
      int64_t suffix = 0;
      if (!absl::SimpleAtoi(b, &suffix) || suffix <= 0) {
        return absl::InvalidArgumentError("Range: bad suffix length");
      }
      first = std::max<int64_t>(0, size - suffix);
    } else if (!absl::SimpleAtoi(a, &first) || first < 0 ||
               (!b.empty() && (!absl::SimpleAtoi(b, &last) || last < first))) {
      return absl::InvalidArgumentError("Range: bad bounds");
    }
    if (first >= size) return absl::OutOfRangeError("Range: starts past the end of the file");
    last = std::min(last, size - 1);
    return ByteRange{first, last - first + 1, true};
  }
  ASSIGN_OR_RETURN(int64_t offset, QueryInt(request, "offset", -1));
  ASSIGN_OR_RETURN(int64_t length, QueryInt(request, "length", -1));
  if (request.query.contains("offset") || request.query.contains("length")) {
    if (offset < 0) offset = 0;
    offset = std::min(offset, size);
    int64_t count = length < 0 ? size - offset : std::min(length, size - offset);
    range = ByteRange{offset, count, true};
  }
  return range;
}

}  // namespace

Observer::Observer(ObserverOptions options)
    : options_(std::move(options)), paths_{options_.work_dir} {}

void Observer::Register(net::HttpServer& server) {
  auto handler = [this](const net::HttpRequest& request) { return Handle(request); };
  server.Route("GET", std::string(kPrefix), handler);
  server.RoutePrefix("GET", std::string(kPrefix) + "/", handler);
}

std::string Observer::LogRef::RelativePath() const {
  return absl::StrCat("sandbox/.logs/", process, "/", run, "/", stream);
}

absl::StatusOr<Observer::LogRef> Observer::ParseLogRef(const std::string& rest) {
  // <process>/<run>/<stdout|stderr>; the process name is checked again by the path walk.
  size_t second = rest.rfind('/');
  size_t first =
      second == std::string::npos || second == 0 ? std::string::npos : rest.rfind('/', second - 1);
  if (first == std::string::npos || first == 0) {
    return absl::InvalidArgumentError("expected logs/<process>/<run>/<stdout|stderr>");
  }
  LogRef ref;
  ref.process = rest.substr(0, first);
  ref.stream = rest.substr(second + 1);
  if (ref.process.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("a process name has no '/'");
  }
  if (!absl::SimpleAtoi(rest.substr(first + 1, second - first - 1), &ref.run) || ref.run < 0) {
    return absl::InvalidArgumentError("the run must be a number");
  }
  if (ref.stream != "stdout" && ref.stream != "stderr") {
    return absl::InvalidArgumentError("the stream must be stdout or stderr");
  }
  return ref;
}

std::optional<TaskView> Observer::FindTask(const std::string& task_id) const {
  if (!options_.tasks) return std::nullopt;
  for (TaskView& view : options_.tasks()) {
    if (view.task_id == task_id) return std::move(view);
  }
  return std::nullopt;
}

net::HttpResponse Observer::Handle(const net::HttpRequest& request) const {
  std::string_view path = request.path;
  if (!path.starts_with(kPrefix)) return net::HttpResponse::Text(404, "not found");
  path.remove_prefix(kPrefix.size());
  if (path.empty() || path == "/") return TasksPage();
  path.remove_prefix(1);  // the '/'
  Target target;
  if (path.starts_with("api/")) {
    target.api = true;
    path.remove_prefix(4);
    if (path == "tasks") return TasksJson();
  }
  auto fail = [&](const absl::Status& status) {
    return target.api
               ? JsonError(status)
               : net::HttpResponse::Text(HttpCodeFor(status), std::string(status.message()) + "\n");
  };
  if (!path.starts_with("task/")) return fail(absl::NotFoundError("no such page"));
  path.remove_prefix(5);
  size_t slash = path.find('/');
  target.task_id = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view after = path.substr(slash + 1);
    size_t verb_end = after.find('/');
    target.verb = std::string(after.substr(0, verb_end));
    if (verb_end != std::string_view::npos) {
      target.rest = std::string(after.substr(verb_end + 1));
      target.has_rest = true;
    }
  }
  if (absl::Status valid = ValidateTaskId(target.task_id); !valid.ok()) return fail(valid);
  std::optional<TaskView> view = FindTask(target.task_id);
  if (!view) return fail(absl::NotFoundError(absl::StrCat("no task '", target.task_id, "'")));

  if (target.verb.empty()) return target.api ? TaskJson(*view) : TaskPage(*view);
  if (target.verb == "logs" && target.has_rest) {
    return target.api ? LogJson(*view, target.rest, request) : LogPage(*view, target.rest);
  }
  if (target.verb == "browse") {
    return target.api ? BrowseJson(*view, target.rest) : BrowsePage(*view, target.rest);
  }
  if (target.verb == "download" && target.api && target.has_rest) {
    return Download(*view, target.rest, request);
  }
  return fail(absl::NotFoundError("no such page"));
}

net::HttpResponse Observer::TasksJson() const {
  nlohmann::json active = nlohmann::json::array(), finished = nlohmann::json::array();
  std::vector<TaskView> views = options_.tasks ? options_.tasks() : std::vector<TaskView>();
  for (const TaskView& view : views) {
    ObservedTask task = LoadObservedTask(paths_, view);
    nlohmann::json entry = {
        {"task_id", task.task_id},
        {"job", {{"role", task.role}, {"environment", task.environment}, {"name", task.job_name}}},
        {"instance", task.instance},
        {"state", task.state},
        {"start_ms", task.start_ms},
        {"finish_ms", task.finish_ms},
        {"message", task.last_message},
        {"resources",
         {{"cpu", task.cpu},
          {"ram_bytes", task.ram_bytes},
          {"disk_bytes", task.disk_bytes},
          {"gpu", task.gpu}}},
    };
    (task.active ? active : finished).push_back(std::move(entry));
  }
  return Json(200, {{"active", active}, {"finished", finished}});
}

net::HttpResponse Observer::TaskJson(const TaskView& view) const {
  ObservedTask task = LoadObservedTask(paths_, view);
  LoadRunHistory(paths_, task);
  TaskUsage usage = MeasureUsage(paths_, task);
  nlohmann::json processes = nlohmann::json::array();
  for (const ObservedProcess& process : task.processes) {
    nlohmann::json runs = nlohmann::json::array();
    for (const ObservedRun& run : process.history) {
      runs.push_back({{"run", run.run},
                      {"state", run.state},
                      {"pid", run.pid},
                      {"exit_code", run.exit_code},
                      {"start_ms", run.start_ms},
                      {"stop_ms", run.stop_ms}});
    }
    processes.push_back({{"name", process.name}, {"state", process.state}, {"runs", runs}});
  }
  nlohmann::json doc = {
      {"task_id", task.task_id},
      {"job", {{"role", task.role}, {"environment", task.environment}, {"name", task.job_name}}},
      {"instance", task.instance},
      {"state", task.state},
      {"active", task.active},
      {"start_ms", task.start_ms},
      {"finish_ms", task.finish_ms},
      {"message", task.last_message},
      {"executor_pid", task.executor_pid},
      {"executor_alive", task.executor_alive},
      {"ports", task.ports},
      {"resources",
       {{"cpu", task.cpu},
        {"ram_bytes", task.ram_bytes},
        {"disk_bytes", task.disk_bytes},
        {"gpu", task.gpu}}},
      {"usage",
       {{"cpu_seconds", usage.cpu_seconds},
        {"rss_bytes", usage.rss_bytes},
        {"processes", usage.processes},
        {"disk_bytes", usage.disk_bytes}}},
      {"processes", processes},
  };
  return Json(200, doc);
}

// Polls the open log's size until it passes `offset` or `wait_ms` pass; the size then.
int64_t Observer::WaitForGrowth(const OpenedPath& file, int64_t offset, int64_t wait_ms) const {
  const int64_t deadline_ns = options_.clock->MonoNowNs() + wait_ms * 1'000'000;
  struct stat st{};
  while (true) {
    if (::fstat(file.fd.get(), &st) != 0) return file.size;
    if (st.st_size > offset || options_.clock->MonoNowNs() >= deadline_ns) return st.st_size;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

net::HttpResponse Observer::LogJson(const TaskView& view, const std::string& rest,
                                    const net::HttpRequest& request) const {
  absl::StatusOr<LogRef> ref = ParseLogRef(rest);
  if (!ref.ok()) return JsonError(ref.status());
  absl::StatusOr<int64_t> offset = QueryInt(request, "offset", -options_.default_log_bytes);
  if (!offset.ok()) return JsonError(offset.status());
  absl::StatusOr<int64_t> length = QueryInt(request, "length", options_.default_log_bytes);
  if (!length.ok()) return JsonError(length.status());
  if (*length < 0) return JsonError(absl::InvalidArgumentError("'length' must not be negative"));
  absl::StatusOr<Fd> root = OpenRoot(paths_.TaskDir(view.task_id));
  if (!root.ok()) return JsonError(root.status());
  absl::StatusOr<OpenedPath> file = OpenContained(root->get(), ref->RelativePath());
  if (!file.ok()) return JsonError(file.status());
  if (file->is_dir) return JsonError(absl::NotFoundError("not a log file"));
  absl::StatusOr<int64_t> wait_ms = QueryInt(request, "wait_ms", 0);
  if (!wait_ms.ok()) return JsonError(wait_ms.status());
  int64_t size = file->size;
  if (*wait_ms > 0 && *offset >= size && options_.clock != nullptr) {
    size = WaitForGrowth(*file, *offset, std::min(*wait_ms, options_.max_log_wait_ms));
  }
  // A negative offset counts from the end; past the end gives no data at the end.
  int64_t start = *offset < 0 ? std::max<int64_t>(0, size + *offset) : std::min(*offset, size);
  int64_t count = std::min({*length, options_.max_log_bytes, size - start});
  absl::StatusOr<std::string> data = ReadAt(*file, start, count);
  if (!data.ok()) return JsonError(data.status());
  nlohmann::json doc = {{"offset", start},
                        {"length", static_cast<int64_t>(data->size())},
                        {"file_size", size},
                        {"data", *data}};
  return Json(200, doc);
}

net::HttpResponse Observer::BrowseJson(const TaskView& view, const std::string& rest) const {
  absl::StatusOr<Fd> root = OpenRoot(paths_.TaskDir(view.task_id));
  if (!root.ok()) return JsonError(root.status());
  absl::StatusOr<OpenedPath> opened = OpenContained(root->get(), rest);
  if (!opened.ok()) return JsonError(opened.status());
  nlohmann::json doc = {{"path", rest}};
  if (!opened->is_dir) {
    doc["type"] = "file";
    doc["size"] = opened->size;
    doc["mtime_ms"] = opened->mtime_ms;
    return Json(200, doc);
  }
  absl::StatusOr<std::vector<DirEntry>> entries = ListEntries(*opened);
  if (!entries.ok()) return JsonError(entries.status());
  nlohmann::json list = nlohmann::json::array();
  for (const DirEntry& entry : *entries) {
    list.push_back({{"name", entry.name},
                    {"type", std::string(EntryTypeName(entry.type))},
                    {"size", entry.size},
                    {"mtime_ms", entry.mtime_ms}});
  }
  doc["type"] = "dir";
  doc["entries"] = std::move(list);
  return Json(200, doc);
}

net::HttpResponse Observer::Download(const TaskView& view, const std::string& rest,
                                     const net::HttpRequest& request) const {
  auto text_error = [](const absl::Status& status) {
    return net::HttpResponse::Text(HttpCodeFor(status), std::string(status.message()) + "\n");
  };
  absl::StatusOr<Fd> root = OpenRoot(paths_.TaskDir(view.task_id));
  if (!root.ok()) return text_error(root.status());
  absl::StatusOr<OpenedPath> file = OpenContained(root->get(), rest);
  if (!file.ok()) return text_error(file.status());
  if (file->is_dir) return text_error(absl::NotFoundError("a directory cannot be downloaded"));
  absl::StatusOr<ByteRange> range = DownloadRange(request, file->size);
  if (!range.ok()) return text_error(range.status());
  if (range->count > options_.max_download_bytes) {
    if (!range->partial) {
      return net::HttpResponse::Text(
          413, absl::StrCat("the file has ", file->size, " bytes, more than the ",
                            options_.max_download_bytes,
                            " one request returns; ask for pieces with ?offset=N&length=M "
                            "or a Range header\n"));
    }
    range->count = options_.max_download_bytes;
  }
  absl::StatusOr<std::string> data = ReadAt(*file, range->first, range->count);
  if (!data.ok()) return text_error(data.status());
  int64_t got = static_cast<int64_t>(data->size());
  net::HttpResponse response = net::HttpResponse::Of(range->partial ? 206 : 200,
                                                     "application/octet-stream", *std::move(data));
  size_t slash = rest.rfind('/');
  std::string name = SafeFileName(slash == std::string::npos ? rest : rest.substr(slash + 1));
  response.headers.emplace_back("Content-Disposition",
                                absl::StrCat("attachment; filename=\"", name, "\""));
  response.headers.emplace_back("Accept-Ranges", "bytes");
  response.headers.emplace_back("X-File-Size", absl::StrCat(file->size));
  if (range->partial) {
    int64_t last = got > 0 ? range->first + got - 1 : range->first;
    response.headers.emplace_back(
        "Content-Range", got > 0 ? absl::StrCat("bytes ", range->first, "-", last, "/", file->size)
                                 : absl::StrCat("bytes */", file->size));
  }
  return response;
}

}  // namespace borealis::agent
