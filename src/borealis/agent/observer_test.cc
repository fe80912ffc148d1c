// The observer against real files in a temp dir, served by a real net::HttpServer on a
// loopback ephemeral port (so the server's own percent-decoding is part of every test),
// plus one task run by the real executor (BOREALIS_EXECUTOR_BIN).
#include "borealis/agent/observer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "borealis/agent/agent_test_util.h"
#include "borealis/agent/executor_process.h"
#include "borealis/agent/observer_fs.h"
#include "borealis/agent/paths.h"
#include "borealis/agent/task_files.h"
#include "borealis/base/clock.h"
#include "borealis/net/http_client.h"
#include "borealis/net/url.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

#ifndef BOREALIS_EXECUTOR_BIN
#error "BOREALIS_EXECUTOR_BIN must name the borealis-executor binary"
#endif

namespace borealis::agent {
namespace {

using ::borealis::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTask[] = "www-data-devel-hello-0-abc";
constexpr char kSecret[] = "top-secret-outside";

void Write(const std::string& path, const std::string& content) {
  size_t slash = path.rfind('/');
  ASSERT_THAT(MakeDirs(path.substr(0, slash)), IsOk());
  ASSERT_THAT(base::WriteFileAtomically(path, content), IsOk());
}

class ObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    paths_.work_dir = dir_.Sub("work");
    const std::string task_dir = paths_.TaskDir(kTask);
    Write(dir_.Sub("outside/secret.txt"), kSecret);
    Write(task_dir + "/sandbox/hello.txt", "hello");
    Write(task_dir + "/sandbox/<img src=x onerror=alert(1)>.txt", "x");
    Write(task_dir + "/sandbox/.logs/main/0/stdout", "first run\n");
    Write(task_dir + "/sandbox/.logs/main/1/stdout", "0123456789");
    Write(task_dir + "/sandbox/.logs/main/1/stderr", "");
    nlohmann::json job = {
        {"role", "www-data"},
        {"environment", "devel"},
        {"name", "hello"},
        {"task",
         {{"name", "t"},
          {"processes", {{{"name", "main"}, {"cmdline", "sleep 1"}}}},
          {"resources", {{"cpu", 0.5}, {"ram", 33554432}, {"disk", 67108864}}}}}};
    nlohmann::json task_file = {{"task_id", kTask},
                                {"instance_id", 3},
                                {"role", "www-data"},
                                {"ports", {{"http", 31000}}},
                                {"executor_data", job.dump()}};
    Write(task_dir + "/task.json", task_file.dump());
    Write(task_dir + "/status.json", R"({"task_id": "www-data-devel-hello-0-abc",
        "executor_pid": 0, "executor_start_ticks": 0,
        "updates": [
          {"seq": 1, "state": "STARTING", "message": "Initializing", "timestamp_ms": 1000},
          {"seq": 2, "state": "RUNNING", "message": "<b>up</b>", "timestamp_ms": 2000}],
        "processes": {
          "main": {"state": "RUNNING", "runs": 2, "pid": 4242, "exit_code": -1},
          "<script>x</script>": {"state": "WAITING", "runs": 0, "pid": 0, "exit_code": -1}},
        "pgids": []})");
    ASSERT_EQ(::symlink("/etc", (task_dir + "/sandbox/etc").c_str()), 0);
    ASSERT_EQ(::symlink("/etc/passwd", (task_dir + "/sandbox/passwd").c_str()), 0);
    ASSERT_EQ(::symlink(dir_.Sub("outside").c_str(), (task_dir + "/sandbox/out").c_str()), 0);
    ASSERT_EQ(::symlink("hello.txt", (task_dir + "/sandbox/inside").c_str()), 0);
    ASSERT_EQ(
        ::link(dir_.Sub("outside/secret.txt").c_str(), (task_dir + "/sandbox/hardlink").c_str()),
        0);

    TaskView view;
    view.task_id = kTask;
    view.state = model::ScheduleStatus::kRunning;
    views_.push_back(view);
    StartServer(ObserverOptions{});
  }

  void StartServer(ObserverOptions options) {
    if (server_ != nullptr) server_->Stop();
    options.work_dir = paths_.work_dir;
    options.tasks = [this] { return views_; };
    observer_ = std::make_unique<Observer>(std::move(options));
    server_ = std::make_unique<net::HttpServer>(net::HttpServer::Options{});
    observer_->Register(*server_);
    ASSERT_THAT(server_->Start(), IsOk());
  }

  // Through the real server; with a Range header, straight to Handle() (HttpCall sends no
  // extra headers), with the path decoded by the server's own ParseTarget.
  net::HttpResponse Get(const std::string& target, const std::string& range = "") {
    if (!range.empty()) {
      net::HttpRequest request;
      net::ParsedTarget parsed = net::ParseTarget(target);
      request.method = "GET";
      request.target = target;
      request.path = parsed.path;
      request.query = parsed.query;
      request.headers["range"] = range;
      return observer_->Handle(request);
    }
    absl::StatusOr<net::HttpResponse> response =
        net::HttpCall("GET", "127.0.0.1", server_->port(), target, "", "", 5000);
    EXPECT_THAT(response, IsOk()) << target;
    return response.ok() ? *response : net::HttpResponse{};
  }

  nlohmann::json GetJson(const std::string& target, int want_status = 200) {
    net::HttpResponse response = Get(target);
    EXPECT_EQ(response.status, want_status) << target << ": " << response.body;
    nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << response.body;
    return doc;
  }

  std::string Api(const std::string& rest) {
    return std::string("/observer/api/task/") + kTask + "/" + rest;
  }

  borealis::testing::TempDir dir_;
  AgentPaths paths_;
  std::vector<TaskView> views_;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<net::HttpServer> server_;
};

TEST_F(ObserverTest, RefusesEveryWayOutOfTheSandbox) {
  struct Case {
    std::string rest;
    int status;
  };
  const std::vector<Case> cases = {
      {"browse/../../../outside", 400},
      {"browse/%2e%2e/%2e%2e/%2e%2e/outside", 400},
      {"browse/%2E%2E%2f%2E%2E%2f%2e%2e%2foutside", 400},
      {"browse/..%2f..%2f..%2foutside", 400},
      {"browse/sandbox/../../../outside", 400},
      {"browse//etc", 400},
      {"browse/%2fetc", 400},
      {"browse/sandbox/./hello.txt", 400},
      {"download/sandbox/hello.txt%00.png", 400},
      {"browse/sandbox/etc", 404},  // symlink to /etc
      {"browse/sandbox/etc/", 404},
      {"download/sandbox/etc/passwd", 404},  // through a symlinked directory
      {"download/sandbox/passwd", 404},      // symlink to a file outside
      {"browse/sandbox/out", 404},           // symlink to a directory outside
      {"download/sandbox/out/secret.txt", 404},
      {"download/sandbox/inside", 404},    // symlinks are never followed
      {"download/sandbox/hardlink", 404},  // a second name of a file outside
      {"download/sandbox/missing", 404},
      {"logs/..%2f..%2f..%2foutside/0/stdout", 400},
      {"logs/%2e%2e/0/stdout", 400},
      {"logs/main/0/..", 400},
  };
  for (const Case& c : cases) {
    net::HttpResponse response = Get(Api(c.rest));
    EXPECT_EQ(response.status, c.status) << c.rest << ": " << response.body;
    EXPECT_THAT(response.body, Not(HasSubstr(kSecret))) << c.rest;
    EXPECT_THAT(response.body, Not(HasSubstr("root:"))) << c.rest;
  }
  // Task ids are checked before anything is opened.
  EXPECT_EQ(Get("/observer/api/task/%2e%2e/browse/").status, 400);
  EXPECT_EQ(Get("/observer/api/task/..%2fwork/browse/").status, 400);
  EXPECT_EQ(Get("/observer/api/task/no-such-task/browse/").status, 404);
  EXPECT_EQ(Get("/observer/task/%2e%2e/browse/").status, 400);
  EXPECT_EQ(Get("/observer/task/x/browse/sandbox/etc").status, 404);
}

TEST_F(ObserverTest, ListsDirectoriesWithoutFollowingSymlinks) {
  nlohmann::json root = GetJson(Api("browse/"));
  EXPECT_EQ(root["type"], "dir");
  std::vector<std::string> names;
  for (const auto& entry : root["entries"]) names.push_back(entry["name"]);
  EXPECT_THAT(names, ::testing::ElementsAre("sandbox", "status.json", "task.json"));

  nlohmann::json sandbox = GetJson(Api("browse/sandbox"));
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& entry : sandbox["entries"]) by_name[entry["name"]] = entry;
  EXPECT_EQ(by_name["hello.txt"]["type"], "file");
  EXPECT_EQ(by_name["hello.txt"]["size"], 5);
  EXPECT_GT(by_name["hello.txt"]["mtime_ms"].get<int64_t>(), 0);
  EXPECT_EQ(by_name["etc"]["type"], "symlink");
  EXPECT_EQ(by_name["out"]["type"], "symlink");

  nlohmann::json file = GetJson(Api("browse/sandbox/hello.txt"));
  EXPECT_EQ(file["type"], "file");
  EXPECT_EQ(file["size"], 5);
}

TEST_F(ObserverTest, LogSlicesFollowOffsets) {
  const std::string log = Api("logs/main/1/stdout");
  nlohmann::json mid = GetJson(log + "?offset=2&length=3");
  EXPECT_EQ(mid["data"], "234");
  EXPECT_EQ(mid["offset"], 2);
  EXPECT_EQ(mid["length"], 3);
  EXPECT_EQ(mid["file_size"], 10);

  nlohmann::json tail = GetJson(log + "?offset=-4");
  EXPECT_EQ(tail["data"], "6789");
  EXPECT_EQ(tail["offset"], 6);

  nlohmann::json whole = GetJson(log + "?offset=-100");  // more than the file: from 0
  EXPECT_EQ(whole["data"], "0123456789");
  EXPECT_EQ(whole["offset"], 0);

  nlohmann::json past = GetJson(log + "?offset=100&length=5");  // past EOF: nothing, at EOF
  EXPECT_EQ(past["data"], "");
  EXPECT_EQ(past["offset"], 10);
  EXPECT_EQ(past["file_size"], 10);

  nlohmann::json defaults = GetJson(log);  // the tail
  EXPECT_EQ(defaults["data"], "0123456789");
  EXPECT_EQ(GetJson(Api("logs/main/0/stdout"))["data"], "first run\n");
  EXPECT_EQ(GetJson(Api("logs/main/1/stderr"))["data"], "");

  GetJson(log + "?offset=abc", 400);
  GetJson(log + "?length=-1", 400);
  GetJson(Api("logs/main/1/other"), 400);
  GetJson(Api("logs/main/x/stdout"), 400);
  GetJson(Api("logs/main/7/stdout"), 404);
  GetJson(Api("logs/nope/0/stdout"), 404);
}

TEST_F(ObserverTest, DownloadsWholeFilesAndRanges) {
  net::HttpResponse whole = Get(Api("download/sandbox/.logs/main/1/stdout"));
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, "0123456789");
  EXPECT_EQ(whole.content_type, "application/octet-stream");

  net::HttpResponse range = Get(Api("download/sandbox/.logs/main/1/stdout"), "bytes=2-4");
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, "234");
  EXPECT_THAT(range.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                 "Content-Range", "bytes 2-4/10")));
  EXPECT_EQ(Get(Api("download/sandbox/.logs/main/1/stdout"), "bytes=-3").body, "789");
  EXPECT_EQ(Get(Api("download/sandbox/.logs/main/1/stdout"), "bytes=20-").status, 416);
  EXPECT_EQ(Get(Api("download/sandbox/.logs/main/1/stdout"), "lines=1-2").status, 400);

  net::HttpResponse piece = Get(Api("download/sandbox/.logs/main/1/stdout?offset=8"));
  EXPECT_EQ(piece.status, 206);
  EXPECT_EQ(piece.body, "89");
  EXPECT_EQ(Get(Api("download/sandbox")).status, 404);  // a directory

  ObserverOptions small;
  small.max_download_bytes = 4;
  StartServer(small);
  net::HttpResponse big = Get(Api("download/sandbox/.logs/main/1/stdout"));
  EXPECT_EQ(big.status, 413);
  EXPECT_THAT(big.body, HasSubstr("offset"));
  net::HttpResponse capped = Get(Api("download/sandbox/.logs/main/1/stdout?offset=0&length=100"));
  EXPECT_EQ(capped.status, 206);
  EXPECT_EQ(capped.body, "0123");
}

TEST_F(ObserverTest, TaskJsonHasJobResourcesAndRunHistory) {
  nlohmann::json tasks = GetJson("/observer/api/tasks");
  ASSERT_EQ(tasks["active"].size(), 1u);
  EXPECT_EQ(tasks["finished"].size(), 0u);
  const nlohmann::json& summary = tasks["active"][0];
  EXPECT_EQ(summary["task_id"], kTask);
  EXPECT_EQ(summary["job"]["role"], "www-data");
  EXPECT_EQ(summary["job"]["environment"], "devel");
  EXPECT_EQ(summary["job"]["name"], "hello");
  EXPECT_EQ(summary["instance"], 3);
  EXPECT_EQ(summary["state"], "RUNNING");
  EXPECT_EQ(summary["start_ms"], 1000);
  EXPECT_EQ(summary["finish_ms"], 0);
  EXPECT_EQ(summary["resources"]["cpu"], 0.5);
  EXPECT_EQ(summary["resources"]["ram_bytes"], 33554432);
  EXPECT_EQ(summary["resources"]["disk_bytes"], 67108864);

  nlohmann::json task = GetJson(Api(""));
  EXPECT_EQ(task["ports"]["http"], 31000);
  nlohmann::json main;
  for (const auto& p : task["processes"]) {
    if (p["name"] == "main") main = p;
  }
  ASSERT_EQ(main["runs"].size(), 2u);
  EXPECT_EQ(main["runs"][0]["run"], 0);
  EXPECT_EQ(main["runs"][0]["state"], "ENDED");
  EXPECT_GT(main["runs"][0]["stop_ms"].get<int64_t>(), 0);
  EXPECT_EQ(main["runs"][1]["state"], "RUNNING");
  EXPECT_EQ(main["runs"][1]["pid"], 4242);
  EXPECT_EQ(main["runs"][1]["stop_ms"], 0);
  EXPECT_GT(task["usage"]["disk_bytes"].get<int64_t>(), 0);

  views_[0].state = model::ScheduleStatus::kFinished;
  nlohmann::json later = GetJson("/observer/api/tasks");
  EXPECT_EQ(later["active"].size(), 0u);
  EXPECT_EQ(later["finished"].size(), 1u);
}

// The fixture's status.json is an older executor's (no history): earlier runs come from
// the log directories (above). A current one lists every run itself.
TEST_F(ObserverTest, RunsComeFromTheStatusHistory) {
  const std::string status_path = paths_.TaskDir(kTask) + "/status.json";
  Write(status_path, R"({"task_id": "www-data-devel-hello-0-abc",
      "executor_pid": 0, "executor_start_ticks": 0,
      "updates": [
        {"seq": 1, "state": "STARTING", "message": "Initializing", "timestamp_ms": 1000},
        {"seq": 2, "state": "RUNNING", "message": "up", "timestamp_ms": 2000}],
      "processes": {
        "main": {"state": "RUNNING", "runs": 2, "pid": 4242, "exit_code": 3,
                 "history": [
                   {"run": 0, "state": "FAILED", "pid": 1111, "exit_code": 3,
                    "start_ms": 1500, "stop_ms": 1600},
                   {"run": 1, "state": "RUNNING", "pid": 4242, "exit_code": -1,
                    "start_ms": 1700, "stop_ms": 0}]},
        "<script>x</script>": {"state": "WAITING", "runs": 0, "pid": 0, "exit_code": -1,
                               "history": []}},
      "pgids": []})");
  nlohmann::json task = GetJson(Api(""));
  nlohmann::json main;
  for (const auto& p : task["processes"]) {
    if (p["name"] == "main") main = p;
  }
  ASSERT_EQ(main["runs"].size(), 2u);
  EXPECT_EQ(main["runs"][0], nlohmann::json({{"run", 0},
                                             {"state", "FAILED"},
                                             {"pid", 1111},
                                             {"exit_code", 3},
                                             {"start_ms", 1500},
                                             {"stop_ms", 1600}}));
  EXPECT_EQ(main["runs"][1], nlohmann::json({{"run", 1},
                                             {"state", "RUNNING"},
                                             {"pid", 4242},
                                             {"exit_code", -1},
                                             {"start_ms", 1700},
                                             {"stop_ms", 0}}));
  net::HttpResponse page = Get(std::string("/observer/task/") + kTask);
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<td>FAILED</td><td>1111</td><td>3</td>"));

  // A history that lacks a run (run 0 here) leaves that run to its log directory.
  Write(status_path, R"({"task_id": "www-data-devel-hello-0-abc",
      "executor_pid": 0, "executor_start_ticks": 0, "updates": [],
      "processes": {
        "main": {"state": "SUCCESS", "runs": 2, "pid": 4242, "exit_code": 0,
                 "history": [
                   {"run": 1, "state": "SUCCESS", "pid": 4242, "exit_code": 0,
                    "start_ms": 1700, "stop_ms": 1800}]}},
      "pgids": []})");
  task = GetJson(Api(""));
  ASSERT_EQ(task["processes"].size(), 1u);
  const nlohmann::json& runs = task["processes"][0]["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["run"], 0);
  EXPECT_EQ(runs[0]["state"], "ENDED");
  EXPECT_EQ(runs[0]["pid"], 0);
  EXPECT_GT(runs[0]["stop_ms"].get<int64_t>(), 0);
  EXPECT_EQ(runs[1]["state"], "SUCCESS");
  EXPECT_EQ(runs[1]["stop_ms"], 1800);
}

// The logs are in the sandbox, which the task's user owns: a symlink planted at
// .logs/<process> lists no runs and serves no log.
TEST_F(ObserverTest, SandboxLogsAreReadWithoutFollowingSymlinks) {
  const std::string task_dir = paths_.TaskDir(kTask);
  Write(dir_.Sub("outside/7/stdout"), kSecret);
  Write(task_dir + "/status.json", R"({"task_id": "www-data-devel-hello-0-abc",
      "executor_pid": 0, "executor_start_ticks": 0,
      "updates": [{"seq": 1, "state": "RUNNING", "message": "up", "timestamp_ms": 2000}],
      "processes": {"linked": {"state": "WAITING", "runs": 0, "pid": 0, "exit_code": -1}},
      "pgids": []})");
  ASSERT_EQ(::symlink(dir_.Sub("outside").c_str(), (task_dir + "/sandbox/.logs/linked").c_str()),
            0);
  nlohmann::json task = GetJson(Api(""));
  ASSERT_EQ(task["processes"].size(), 1u);
  EXPECT_TRUE(task["processes"][0]["runs"].empty()) << task.dump();
  GetJson(Api("logs/linked/7/stdout"), 404);
  EXPECT_EQ(Get(Api("download/sandbox/.logs/linked/7/stdout")).status, 404);
}

TEST_F(ObserverTest, PagesEscapeEverythingFromOutside) {
  net::HttpResponse list = Get("/observer");
  EXPECT_EQ(list.status, 200);
  EXPECT_THAT(list.content_type, HasSubstr("text/html"));
  EXPECT_THAT(list.body, HasSubstr(kTask));
  EXPECT_THAT(list.body, HasSubstr("&lt;b&gt;up&lt;/b&gt;"));
  EXPECT_THAT(list.body, Not(HasSubstr("<b>up")));

  net::HttpResponse task = Get(std::string("/observer/task/") + kTask);
  EXPECT_EQ(task.status, 200);
  EXPECT_THAT(task.body, HasSubstr("&lt;script&gt;x&lt;/script&gt;"));
  EXPECT_THAT(task.body, Not(HasSubstr("<script>x")));
  EXPECT_THAT(task.body, HasSubstr("/logs/main/1/stdout"));

  net::HttpResponse browse = Get(std::string("/observer/task/") + kTask + "/browse/sandbox");
  EXPECT_EQ(browse.status, 200);
  EXPECT_THAT(browse.body, HasSubstr("&lt;img src=x onerror=alert(1)&gt;.txt"));
  EXPECT_THAT(browse.body, Not(HasSubstr("<img")));
  EXPECT_THAT(browse.body, HasSubstr("hello.txt"));
  EXPECT_THAT(browse.body, Not(HasSubstr("http://")));  // no external assets

  net::HttpResponse file = Get(std::string("/observer/task/") + kTask +
                               "/browse/sandbox/%3Cimg%20src=x%20onerror=alert(1)%3E.txt");
  EXPECT_EQ(file.status, 200);
  EXPECT_THAT(file.body, Not(HasSubstr("<img")));

  net::HttpResponse log = Get(std::string("/observer/task/") + kTask + "/logs/main/1/stdout");
  EXPECT_EQ(log.status, 200);
  EXPECT_THAT(log.body, HasSubstr("data-api=\"/observer/api/task/"));
  EXPECT_THAT(log.body, HasSubstr("<script>"));
  EXPECT_EQ(Get(std::string("/observer/task/") + kTask + "/logs/main/9/stdout").status, 404);
}

// A task run by the real executor: the observer shows its processes, runs and usage.
TEST(ObserverExecutorTest, ShowsARealTask) {
  borealis::testing::TempDir dir;
  AgentPaths paths{dir.Sub("work")};
  const std::string id = "www-data-devel-real-0-1";
  ASSERT_THAT(MakeDirs(paths.TaskDir(id)), IsOk());
  TaskFile file;
  file.task_id = id;
  file.role = "www-data";
  file.kill_grace_ms = 500;
  file.executor_data = R"({"role": "www-data", "environment": "devel", "name": "real",
      "task": {"name": "t", "processes": [
        {"name": "greet", "cmdline": "echo hi"},
        {"name": "main", "cmdline": "echo started; exec sleep 1000"}],
      "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}})";
  ASSERT_THAT(base::WriteFileAtomically(paths.TaskJson(id), EncodeTaskFile(file)), IsOk());
  ExecutorCommand command;
  command.executor_path = BOREALIS_EXECUTOR_BIN;
  command.task_dir = paths.TaskDir(id);
  command.log_path = paths.ExecutorLog(id);
  absl::StatusOr<LaunchedExecutor> executor = LaunchExecutor(command);
  ASSERT_THAT(executor, IsOk());
  AgentTaskRecord record;
  record.task_id = id;
  record.executor_pid = executor->pid;
  record.executor_start_ticks = executor->start_ticks;
  ASSERT_THAT(base::WriteFileAtomically(paths.AgentTaskJson(id), EncodeAgentTaskRecord(record)), IsOk());
  struct Cleanup {
    std::string work;
    ~Cleanup() { KillExecutorsUnder(work); }
  } cleanup{paths.work_dir};

  TaskView view;
  view.task_id = id;
  view.state = model::ScheduleStatus::kRunning;
  view.executor_pid = executor->pid;
  view.executor_alive = true;
  ObserverOptions options;
  options.work_dir = paths.work_dir;
  options.tasks = [view] { return std::vector<TaskView>{view}; };
  Observer observer(options);
  auto get = [&](const std::string& target) {
    net::HttpRequest request;
    net::ParsedTarget parsed = net::ParseTarget(target);
    request.method = "GET";
    request.path = parsed.path;
    request.query = parsed.query;
    return observer.Handle(request);
  };

  // Wait (bounded) until greet is done and main runs and has written its first line.
  nlohmann::json task;
  bool ready = false;
  for (int64_t deadline = base::RealClock::Get().MonoNowNs() + 20'000'000'000;
       !ready && base::RealClock::Get().MonoNowNs() < deadline;) {
    task = nlohmann::json::parse(get("/observer/api/task/" + id).body);
    bool greeted = false, running = false;
    for (const auto& p : task["processes"]) {
      greeted = greeted || (p["name"] == "greet" && p["state"] == "SUCCESS");
      running = running || (p["name"] == "main" && p["state"] == "RUNNING" && !p["runs"].empty() &&
                            p["runs"][0]["pid"].get<int>() > 0);
    }
    if (greeted && running) {
      nlohmann::json log =
          nlohmann::json::parse(get("/observer/api/task/" + id + "/logs/main/0/stdout").body);
      ready = log["data"] == "started\n";
    }
    if (!ready) ::usleep(20'000);  // polling a real process; bounded by the deadline
  }
  ASSERT_TRUE(ready) << task.dump(2);
  nlohmann::json greet;
  for (const auto& p : task["processes"]) {
    if (p["name"] == "greet") greet = p;
  }
  EXPECT_EQ(greet["state"], "SUCCESS");
  ASSERT_EQ(greet["runs"].size(), 1u);
  EXPECT_EQ(greet["runs"][0]["exit_code"], 0);
  EXPECT_GT(greet["runs"][0]["start_ms"].get<int64_t>(), 0);
  EXPECT_GE(task["usage"]["processes"].get<int>(), 1);
  EXPECT_GT(task["usage"]["rss_bytes"].get<int64_t>(), 0);
  EXPECT_GT(task["usage"]["disk_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(task["job"]["name"], "real");
  nlohmann::json hi =
      nlohmann::json::parse(get("/observer/api/task/" + id + "/logs/greet/0/stdout").body);
  EXPECT_EQ(hi["data"], "hi\n");
}

}  // namespace
}  // namespace borealis::agent
