// End-to-end tests of the borealis-executor binary with real processes in a temporary
// task directory, following the agent's contract (task_file.h, status_file.h): the
// test plays the agent, writes task.json, starts the executor in its own session,
// listens on a datagram socket and reads status.json after each notification.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "borealis/base/clock.h"
#include "borealis/config/conversion.h"
#include "borealis/executor/executor_run_testing.h"
#include "borealis/executor/status_file.h"
#include "borealis/executor/task_file.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::executor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace executor_testing;  // NOLINT: test support

TEST(ExecutorTest, RunsInOrderAndFinishes) {
  ExecutorRun run;
  run.WriteTask(ExecutorData(
      {Process("a", "sleep 0.2; echo a >> order.txt; echo out-a; echo err-a >&2"),
       Process("b", "echo b >> order.txt"),
       Process("c", "echo c >> order.txt; echo \"$PWD|$HOME|$(env | cut -d= -f1 | sort | "
                    "tr '\\n' ' ')\"")},
      {{"a", "b", "c"}}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  EXPECT_EQ(run.Sandbox("order.txt"), "a\nb\nc\n");
  EXPECT_EQ(run.Log("a", 0), "out-a\n");
  EXPECT_EQ(run.Log("a", 0, "stderr"), "err-a\n");
  // cwd and HOME are the sandbox; the environment is cleared.
  std::string sandbox = fs::canonical(run.dir() + "/sandbox").string();
  std::string env_line = run.Log("c", 0);
  EXPECT_THAT(env_line, HasSubstr(sandbox + "|" + sandbox + "|"));
  EXPECT_THAT(env_line, HasSubstr("HOME"));
  EXPECT_THAT(env_line, HasSubstr("PATH"));
  EXPECT_THAT(env_line, ::testing::Not(HasSubstr("BOREALIS")));
  EXPECT_THAT(env_line, ::testing::Not(HasSubstr("GTEST")));

  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->task_id, "task-1");
  EXPECT_EQ(status->executor_pid, run.pid());
  EXPECT_GT(status->executor_start_ticks, 0);
  ASSERT_EQ(status->updates.size(), 3u);
  for (size_t i = 0; i < status->updates.size(); ++i) {
    EXPECT_EQ(status->updates[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_GT(status->updates[i].timestamp_ms, 0);
    if (i > 0) {
      EXPECT_GE(status->updates[i].timestamp_ms, status->updates[i - 1].timestamp_ms);
    }
  }
  EXPECT_EQ(status->updates[2].message, "Task finished");
  for (const auto& [name, p] : status->processes) {
    EXPECT_EQ(p.state, "SUCCESS") << name;
    EXPECT_EQ(p.runs, 1) << name;
    EXPECT_EQ(p.exit_code, 0) << name;
    EXPECT_GT(p.pid, 0) << name;
  }
  EXPECT_THAT(status->pgids, IsEmpty());
  // One datagram with the task id per status write.
  ASSERT_FALSE(run.datagrams().empty());
  for (const std::string& d : run.datagrams()) EXPECT_EQ(d, "task-1");
}

TEST(ExecutorTest, RetriesUpToMaxFailuresThenFails) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "echo run >> runs.txt; echo try; exit 3", 3),
                              Process("other", "sleep 1000")}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FAILED"));
  EXPECT_EQ(run.LastMessage(), "Process 'web' failed (exit code 3) after 3 attempt(s)");
  EXPECT_EQ(run.Sandbox("runs.txt"), "run\nrun\nrun\n");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run.Log("web", i), "try\n") << i;
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->processes.at("web").state, "FAILED");
  EXPECT_EQ(status->processes.at("web").runs, 3);
  EXPECT_EQ(status->processes.at("web").exit_code, 3);
  // The rest was killed.
  EXPECT_EQ(status->processes.at("other").state, "KILLED");
  EXPECT_TRUE(ProcessGone(status->processes.at("other").pid));
  EXPECT_THAT(status->pgids, IsEmpty());
}

TEST(ExecutorTest, RetrySucceeds) {
  ExecutorRun run;
  run.WriteTask(ExecutorData(
      {Process("flaky", "if [ -f marker ]; then echo ok; else touch marker; exit 1; fi", 2)}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  EXPECT_EQ(run.Status()->processes.at("flaky").runs, 2);
  EXPECT_EQ(run.Log("flaky", 1), "ok\n");
}

TEST(ExecutorTest, StatusKeepsEveryRunOfAProcess) {
  ExecutorRun run;
  // Fails with exit code 4, then 5, then succeeds; each run lasts a little while.
  run.WriteTask(ExecutorData({Process(
      "flaky", "sleep 0.02; n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; "
               "[ \"$n\" -ge 2 ] || exit $((n + 4))",
      3)}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  auto status = run.Status();
  ASSERT_TRUE(status.ok()) << status.status();
  const ProcessRecord& flaky = status->processes.at("flaky");
  EXPECT_EQ(flaky.state, "SUCCESS");
  EXPECT_EQ(flaky.runs, 3);
  EXPECT_EQ(flaky.exit_code, 0);
  ASSERT_EQ(flaky.history.size(), 3u);
  const std::vector<std::string> states = {"FAILED", "FAILED", "SUCCESS"};
  const std::vector<int> codes = {4, 5, 0};
  std::set<int> pids;
  for (size_t i = 0; i < 3; ++i) {
    const RunEntry& r = flaky.history[i];
    EXPECT_EQ(r.run, static_cast<int>(i));
    EXPECT_EQ(r.state, states[i]) << i;
    EXPECT_EQ(r.exit_code, codes[i]) << i;
    EXPECT_GT(r.pid, 0) << i;
    pids.insert(r.pid);
    EXPECT_GT(r.start_ms, 0) << i;
    EXPECT_GE(r.stop_ms, r.start_ms + 20) << i;  // each run sleeps 20 ms
    if (i > 0) {
      EXPECT_GT(r.start_ms, flaky.history[i - 1].start_ms) << i;
      EXPECT_GE(r.start_ms, flaky.history[i - 1].stop_ms) << i;
    }
  }
  EXPECT_EQ(pids.size(), 3u);
  EXPECT_EQ(flaky.history.back().pid, flaky.pid);
  // Wall clock: the runs fall between the task's first and last updates (give or take
  // the rounding of the executor's wall-minus-monotonic offset).
  EXPECT_GE(flaky.history.front().start_ms, status->updates.front().timestamp_ms - 5);
  EXPECT_LE(flaky.history.back().stop_ms, status->updates.back().timestamp_ms + 5);
}

// A `.thermos_profile` written by one process is sourced (BASH_ENV) by the processes
// launched after it: each run's environment is decided as it starts.
TEST(ExecutorTest, ThermosProfileWrittenByAnEarlierProcessIsSourced) {
  ExecutorRun run;
  run.WriteTask(
      ExecutorData({Process("setup_env", "echo 'export GREETING=hello' > .thermos_profile"),
                    Process("read_env", "echo \"greeting=$GREETING\"")},
                   {{"setup_env", "read_env"}}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  EXPECT_EQ(run.Log("read_env", 0), "greeting=hello\n");
}

TEST(ExecutorTest, TemplatedCmdline) {
  ExecutorRun run("the-task-id");
  run.WriteTask(ExecutorData({Process(
      "t", "echo {{mesos.instance}} {{mesos.hostname}} {{thermos.task_id}} "
           "{{thermos.ports[http]}} {{name}}")}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_EQ(run.Log("t", 0), "3 host-a the-task-id 31337 t\n");
}

TEST(ExecutorTest, UnboundTemplateFailsTheTask) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("web", "serve --admin={{thermos.ports[admin]}}")}));
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("process 'web'"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("unbound template '{{thermos.ports[admin]}}'"));
}

TEST(ExecutorTest, SigtermKillsTheWholeProcessTree) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("tree", "sleep 1000 & echo $! > grandchild.pid; wait"),
                              Process("plain", "sleep 1000")}));
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_TRUE(WaitUntil([&] { return !run.Sandbox("grandchild.pid").empty(); }));
  pid_t grandchild = std::stoi(run.Sandbox("grandchild.pid"));
  auto before = run.Status();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(run.WaitForStatus([](const StatusDocument& s) { return s.pgids.size() == 2; }));
  EXPECT_FALSE(ProcessGone(grandchild));

  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  EXPECT_EQ(run.LastMessage(), "Killed by request");
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(grandchild); }));
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  for (const auto& [name, p] : status->processes) {
    EXPECT_EQ(p.state, "KILLED") << name;
    EXPECT_TRUE(ProcessGone(p.pid)) << name;
  }
  EXPECT_THAT(status->pgids, IsEmpty());
}

TEST(ExecutorTest, KillEscalatesToSigkillAfterTheGrace) {
  ExecutorRun run;
  // Ignored signals stay ignored across exec, so sleep ignores SIGTERM too.
  run.WriteTask(ExecutorData({Process("stubborn", "trap '' TERM; echo ready; sleep 1000")}),
                /*kill_grace_ms=*/300);
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_TRUE(WaitUntil([&] { return run.Log("stubborn", 0) == "ready\n"; }));
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->processes.at("stubborn").exit_code, 128 + SIGKILL);
  EXPECT_TRUE(ProcessGone(status->processes.at("stubborn").pid));
}

// A kill runs the final processes, in their order, after the regular ones are gone;
// the task still ends KILLED.
TEST(ExecutorTest, KillRunsFinalProcessesThenEndsKilled) {
  ExecutorRun run;
  json save = Process("save", "echo saved >> finalized.txt");
  save["final"] = true;
  json report = Process("report", "echo reported >> finalized.txt");
  report["final"] = true;
  run.WriteTask(ExecutorData({Process("main", "sleep 1000"), save, report}, {{"save", "report"}}));
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_TRUE(run.WaitForStatus([](const StatusDocument& s) { return s.pgids.size() == 1; }));
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  EXPECT_EQ(run.LastMessage(), "Killed by request");
  EXPECT_EQ(run.Sandbox("finalized.txt"), "saved\nreported\n");
  auto status = run.Status();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->processes.at("main").state, "KILLED");
  EXPECT_TRUE(ProcessGone(status->processes.at("main").pid));
  EXPECT_EQ(status->processes.at("save").state, "SUCCESS");
  EXPECT_EQ(status->processes.at("report").state, "SUCCESS");
  EXPECT_THAT(status->pgids, IsEmpty());
}

// A final process still running when finalization_wait (counted from the kill) is
// spent is killed, and the task ends KILLED.
TEST(ExecutorTest, KilledTasksFinalProcessIsKilledAfterFinalizationWait) {
  ExecutorRun run;
  json linger = Process("linger", "echo started > linger.txt; sleep 1000");
  linger["final"] = true;
  run.WriteTask(ExecutorData({Process("main", "sleep 1000"), linger}, {}, json::object(),
                             {{"finalization_wait", 1}}));
  run.Start();
  ASSERT_TRUE(run.WaitForState("RUNNING"));
  ASSERT_TRUE(run.WaitForStatus([](const StatusDocument& s) { return s.pgids.size() == 1; }));
  const int64_t killed_ms = base::RealClock::Get().MonoNowNs() / 1'000'000;
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  ASSERT_EQ(run.WaitExit(), 0);
  const int64_t took_ms = base::RealClock::Get().MonoNowNs() / 1'000'000 - killed_ms;
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "KILLED"));
  EXPECT_EQ(run.Sandbox("linger.txt"), "started\n");  // it did start
  auto status = run.Status();
  ASSERT_TRUE(status.ok()) << status.status();
  const ProcessRecord& record = status->processes.at("linger");
  EXPECT_EQ(record.state, "KILLED");
  EXPECT_TRUE(ProcessGone(record.pid));
  EXPECT_THAT(status->pgids, IsEmpty());
  EXPECT_GE(took_ms, 900);     // it had its second
  EXPECT_LT(took_ms, 10'000);  // and no more than that (and the loop's poll)
}

TEST(ExecutorTest, EscapedDaemonIsKilledAtTheEnd) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("daemonize", "setsid sleep 1000 & echo $! > escaped.pid")}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  pid_t escaped = std::stoi(run.Sandbox("escaped.pid"));
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(escaped); }));
}

TEST(ExecutorTest, MissingTaskFileFails) {
  ExecutorRun run("lonely-task");
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  auto status = run.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->task_id, "lonely-task");
  ASSERT_EQ(status->updates.size(), 1u);
  EXPECT_EQ(status->updates[0].state, "FAILED");
  EXPECT_THAT(status->updates[0].message, HasSubstr("cannot read task.json"));
}

TEST(ExecutorTest, MalformedTaskFileFails) {
  ExecutorRun run;
  std::ofstream(run.dir() + "/task.json") << R"({"task_id": "task-1", "ports": {"http": "x"}})";
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  EXPECT_THAT(run.States(), ElementsAre("FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("task.json: field 'executor_data': missing"));
}

TEST(ExecutorTest, ExecutorDataWithoutProcessesFails) {
  ExecutorRun run;
  run.WriteTask(R"({"task": {"processes": [], "resources": {"cpu": 1, "ram": 1, "disk": 1}}})");
  run.Start();
  EXPECT_EQ(run.WaitExit(), 1);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "FAILED"));
  EXPECT_THAT(run.LastMessage(), HasSubstr("executor data: task.processes"));
}


// A tiny HTTP/1.0 server for the health and lifecycle tests, on 127.0.0.1 and an
// ephemeral port: one request per connection, served on its own thread. It records
// "METHOD PATH" of every request and answers with the status and body set last;
// `on_request` (if set) runs on the server thread before the answer.
TEST(ExecutorLogTest, RotateConsoleNoneAndRunsKept) {
  ExecutorRun run;
  json rotate = Process("rot", "for i in $(seq 1 300); do echo 123456789; done; echo tail >&2");
  rotate["logger"] = {{"mode", "rotate"}, {"rotate", {{"log_size", 1000}, {"backups", 2}}}};
  json console = Process("con", "echo to-console-out; echo to-console-err >&2");
  console["logger"] = {{"destination", "console"}};
  json none = Process("quiet", "echo nothing-here");
  none["logger"] = {{"destination", "none"}};
  json both = Process("both", "echo twice; test -e again || { touch again; exit 1; }", 2);
  both["logger"] = {{"destination", "both"}, {"mode", "rotate"}};
  run.WriteTask(ExecutorData({rotate, console, none, both}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  // 3000 bytes through a 1000-byte file with two backups: three full files.
  const std::string logs = run.dir() + "/sandbox/.logs/rot/0/";
  EXPECT_EQ(ReadFile(logs + "stdout").size(), 1000u);
  EXPECT_EQ(ReadFile(logs + "stdout.1").size(), 1000u);
  EXPECT_EQ(ReadFile(logs + "stdout.2").size(), 1000u);
  EXPECT_FALSE(fs::exists(logs + "stdout.3"));
  EXPECT_EQ(run.Log("rot", 0, "stderr"), "tail\n");
  std::string executor_log = ReadFile(run.dir() + "/executor.log");
  EXPECT_THAT(executor_log, HasSubstr("to-console-out\n"));
  EXPECT_THAT(executor_log, HasSubstr("to-console-err\n"));
  EXPECT_THAT(executor_log, HasSubstr("twice\n"));
  EXPECT_EQ(run.Log("con", 0), "");
  EXPECT_EQ(run.Log("quiet", 0), "");
  EXPECT_THAT(executor_log, ::testing::Not(HasSubstr("nothing-here")));
  // The failed first run's log is kept beside the second's.
  EXPECT_EQ(run.Log("both", 0), "twice\n");
  EXPECT_EQ(run.Log("both", 1), "twice\n");
}

// Logs live in the sandbox, where the processes can read them as Aurora's do
// (`tail .logs/<process>/0/stdout`, `ls -a`).
TEST(ExecutorLogTest, LogsLiveInTheSandbox) {
  ExecutorRun run;
  run.WriteTask(ExecutorData({Process("hello", "echo hi; echo oops >&2"),
                              Process("look", "tail -n 1 .logs/hello/0/stdout; "
                                              "cat .logs/hello/0/stderr; ls -a")},
                             {{"hello", "look"}}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  const std::string seen = run.Log("look", 0);
  EXPECT_THAT(seen, HasSubstr("hi\noops\n"));
  EXPECT_THAT(seen, HasSubstr("\n.logs\n"));
  EXPECT_EQ(ReadFile(run.dir() + "/sandbox/.logs/hello/0/stdout"), "hi\n");
  EXPECT_FALSE(fs::exists(run.dir() + "/.logs"));
}

// The sandbox is the task's: a symlink planted where a log directory or file belongs
// is replaced, never written through (here the executor may well be root).
TEST(ExecutorLogTest, PlantedSymlinksAreNotFollowed) {
  ExecutorRun run;
  const std::string outside = run.dir() + "/outside";
  fs::create_directories(outside);
  std::ofstream(outside + "/secret") << "keep\n";
  json rotated = Process("rotated", "echo three");
  rotated["logger"] = {{"mode", "rotate"}};
  const std::string plant = "mkdir -p .logs/file/0 .logs/rotated/0 && ln -s " + outside +
                            " .logs/dir && ln -s " + outside + "/secret .logs/file/0/stdout" +
                            " && ln -s " + outside + "/secret .logs/rotated/0/stdout";
  run.WriteTask(ExecutorData(
      {Process("plant", plant), Process("dir", "echo one"), Process("file", "echo two"), rotated},
      {{"plant", "dir"}, {"plant", "file"}, {"plant", "rotated"}}));
  run.Start();
  ASSERT_EQ(run.WaitExit(), 0);
  EXPECT_THAT(run.States(), ElementsAre("STARTING", "RUNNING", "FINISHED"));
  EXPECT_EQ(ReadFile(outside + "/secret"), "keep\n");
  EXPECT_FALSE(fs::exists(outside + "/0"));
  EXPECT_EQ(run.Log("dir", 0), "one\n");
  EXPECT_EQ(run.Log("file", 0), "two\n");
  EXPECT_EQ(run.Log("rotated", 0), "three\n");
  const std::string logs = run.dir() + "/sandbox/.logs/";
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(logs + "dir")));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(logs + "file/0/stdout")));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(logs + "rotated/0/stdout")));
}

}  // namespace
}  // namespace borealis::executor
