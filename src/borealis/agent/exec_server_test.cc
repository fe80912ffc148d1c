// ExecServer against a real net::HttpServer on loopback: grants, commands over the
// WebSocket, timeouts, the output cap, and files in and out of a sandbox in a temp dir.
#include "borealis/agent/exec_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>

#include "borealis/agent/paths.h"
#include "borealis/base/clock.h"
#include "borealis/base/files.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http_client.h"
#include "borealis/net/websocket_client.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"
#include "borealis/wire/exec_grant.h"

namespace borealis::agent {
namespace {

using ::borealis::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kTask[] = "www-data-devel-hello-0-abc";
constexpr char kOther[] = "www-data-devel-hello-1-def";
constexpr char kAgent[] = "agent-1";
constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

struct Result {
  std::string output;
  int exit_code = -2;
  std::string error;
};

class ExecServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    paths_.work_dir = dir_.Sub("work");
    sandbox_ = paths_.Sandbox(kTask);
    ASSERT_THAT(MakeDirs(sandbox_), IsOk());
    ASSERT_THAT(MakeDirs(paths_.Sandbox(kOther)), IsOk());
    ASSERT_THAT(base::WriteFileAtomically(sandbox_ + "/hello.txt", "hello\n"), IsOk());
    ExecServerOptions o;
    o.work_dir = paths_.work_dir;
    o.agent_id = kAgent;
    o.tasks = [this] {
      TaskView active{kTask, model::ScheduleStatus::kRunning, 0, false, false, sandbox_};
      TaskView ended{kOther, model::ScheduleStatus::kFinished, 0, false, false,
                     paths_.Sandbox(kOther)};
      return std::vector<TaskView>{active, ended};
    };
    o.key = [] { return std::string(kKey); };
    o.clock = &base::RealClock::Get();
    o.run_as_agent_user = true;
    o.max_output_bytes = 1000;
    o.max_file_bytes = 100;
    exec_ = std::make_unique<ExecServer>(std::move(o));
    server_ = std::make_unique<net::HttpServer>(net::HttpServer::Options{});
    exec_->Register(*server_);
    ASSERT_THAT(server_->Start(), IsOk());
  }
  void TearDown() override {
    server_->Stop();
    exec_.reset();
  }

  std::string Grant(const std::string& action, const std::string& task = kTask,
                    int64_t expires_in_ms = 30'000, const std::string& key = kKey) {
    wire::ExecGrant g{task, kAgent, action, base::RealClock::Get().NowMs() + expires_in_ms, "ab"};
    auto token = wire::SignExecGrant(g, key);
    EXPECT_TRUE(token.ok());
    return token.value_or("");
  }

  Result Run(nlohmann::json request, const std::string& input = "") {
    auto state = std::make_shared<std::pair<base::Mutex, Result>>();
    auto done = std::make_shared<std::atomic<bool>>(false);
    net::WebSocketClient::Handlers h;
    h.on_message = [state](std::string m) {
      base::MutexLock lock(&state->first);
      if (m[0] == 'o') state->second.output += m.substr(1);
      if (m[0] == 'x') {
        auto j = nlohmann::json::parse(m.substr(1));
        state->second.exit_code = j.value("exit_code", -3);
        state->second.error = j.value("error", "");
      }
    };
    h.on_close = [done](absl::Status) { *done = true; };
    auto ws = net::WebSocketClient::Connect("127.0.0.1", server_->port(), "/exec/v1", h, 5000);
    EXPECT_TRUE(ws.ok()) << ws.status();
    if (!ws.ok()) return {};
    EXPECT_THAT((*ws)->Send(request.dump()), IsOk());
    if (!input.empty()) {
      EXPECT_THAT((*ws)->Send("i" + input), IsOk());
      EXPECT_THAT((*ws)->Send("c"), IsOk());
    }
    for (int i = 0; i < 200 && !*done; ++i) ::usleep(50'000);
    EXPECT_TRUE(*done);
    base::MutexLock lock(&state->first);
    return state->second;
  }

  int File(const std::string& method, const std::string& path, const std::string& grant,
           const std::string& body = "", std::string* out = nullptr) {
    auto r = net::HttpCall(method, "127.0.0.1", server_->port(), "/exec/file?path=" + path, body,
                           "", 5000, {{"X-Borealis-Grant", grant}});
    if (!r.ok()) return -1;
    if (out != nullptr) *out = r->body;
    return r->status;
  }

  borealis::testing::TempDir dir_;
  AgentPaths paths_;
  std::string sandbox_;
  std::unique_ptr<ExecServer> exec_;
  std::unique_ptr<net::HttpServer> server_;
};

TEST_F(ExecServerTest, RunsTheCommandInTheSandbox) {
  Result r = Run({{"grant", Grant("run")}, {"action", "run"},
                  {"command", "cat hello.txt; pwd; echo err >&2; exit 3"}});
  EXPECT_EQ(r.exit_code, 3) << r.error;
  EXPECT_EQ(r.output, "hello\n" + sandbox_ + "\nerr\n");
}

TEST_F(ExecServerTest, PassesInput) {
  Result r = Run({{"grant", Grant("run")}, {"action", "run"}, {"command", "tr a-z A-Z"}},
                 "shout\n");
  EXPECT_EQ(r.exit_code, 0) << r.error;
  EXPECT_EQ(r.output, "SHOUT\n");
}

TEST_F(ExecServerTest, KillsACommandPastItsTimeout) {
  Result r = Run({{"grant", Grant("run")}, {"action", "run"}, {"command", "echo a; sleep 30"},
                  {"timeout_ms", 300}});
  EXPECT_EQ(r.exit_code, 128 + 9);
  EXPECT_EQ(r.error, "timed out");
  EXPECT_EQ(r.output, "a\n");
}

TEST_F(ExecServerTest, CapsTheOutput) {
  Result r = Run({{"grant", Grant("run")}, {"action", "run"},
                  {"command", "head -c 5000 /dev/zero | tr '\\0' x"}});
  EXPECT_EQ(r.exit_code, 0) << r.error;
  EXPECT_THAT(r.output, HasSubstr("output capped at 1000 bytes"));
  EXPECT_LT(r.output.size(), 1100u);
}

TEST_F(ExecServerTest, RefusesBadGrants) {
  auto refused = [&](const std::string& grant, const std::string& action = "run") {
    Result r = Run({{"grant", grant}, {"action", action}, {"command", "touch ran"}});
    EXPECT_EQ(r.exit_code, -1);
    return r.error;
  };
  EXPECT_THAT(refused(Grant("run", kTask, -1)), HasSubstr("expired"));
  EXPECT_THAT(refused(Grant("run", kOther)), HasSubstr("not active on this agent"));
  EXPECT_THAT(refused(Grant("run", "no-such-task")), HasSubstr("not active on this agent"));
  EXPECT_THAT(refused(Grant("run", kTask, 30'000, "another key")), HasSubstr("bad signature"));
  EXPECT_THAT(refused(Grant("scp")), HasSubstr("for action 'scp'"));
  EXPECT_THAT(refused("garbage"), HasSubstr("malformed"));
  EXPECT_FALSE(std::ifstream(sandbox_ + "/ran").good());
}

TEST_F(ExecServerTest, CopiesFilesInsideTheSandboxOnly) {
  const std::string grant = Grant("scp");
  std::string body;
  EXPECT_EQ(File("GET", "hello.txt", grant, "", &body), 200);
  EXPECT_EQ(body, "hello\n");
  EXPECT_EQ(File("PUT", "new.txt", grant, "fresh"), 200);
  EXPECT_EQ(borealis::testing::ReadWholeFile(sandbox_ + "/new.txt"), "fresh");
  // Refused: leaving the sandbox, a symlink, too big, another action's grant.
  ASSERT_EQ(::symlink("/etc", (sandbox_ + "/etc").c_str()), 0);
  ASSERT_EQ(::symlink("/tmp/borealis-exec-test-target", (sandbox_ + "/link.txt").c_str()), 0);
  EXPECT_EQ(File("GET", "../task.json", grant), 400);
  EXPECT_EQ(File("GET", "%2e%2e/task.json", grant), 400);
  EXPECT_EQ(File("GET", "/etc/hostname", grant), 400);
  EXPECT_EQ(File("GET", "etc/hostname", grant), 404);
  EXPECT_EQ(File("PUT", "etc/evil", grant, "x"), 404);
  EXPECT_EQ(File("PUT", "../evil", grant, "x"), 400);
  // Writing over a planted symlink replaces the link, never writes through it.
  EXPECT_EQ(File("PUT", "link.txt", grant, "x"), 200);
  EXPECT_FALSE(std::ifstream("/tmp/borealis-exec-test-target").good());
  EXPECT_EQ(File("PUT", "big.txt", grant, std::string(101, 'x')), 413);
  EXPECT_EQ(File("GET", "hello.txt", Grant("run")), 403);
  EXPECT_EQ(File("GET", "hello.txt", ""), 403);
}

}  // namespace
}  // namespace borealis::agent
