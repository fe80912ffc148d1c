// The event stream and the webhook with real daemons (issue 17, items 6-7; docs/events.md):
// a client following GET /events sees every transition of a job in order; one that
// disconnects and resumes from the last index it saw misses nothing, also across a
// scheduler killed with SIGKILL and restarted; an index older than the window is "gone";
// the webhook delivers task state changes to a server the test runs, retrying a failure.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http_client.h"
#include "borealis/net/http_line_stream.h"
#include "borealis/net/http_server.h"

namespace borealis::integration {
namespace {

constexpr char kJob[] = R"({
  "name": "ev", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 1, "service": true,
  "task": {
    "name": "ev",
    "processes": [{"name": "sleep", "cmdline": "sleep 1000"}],
    "resources": {"cpu": 0.05, "ram": 8388608, "disk": 8388608}
  }
})";
constexpr char kJobKey[] = "devcluster/www-data/devel/ev";

struct Event {
  uint64_t index = 0;
  std::string status;
  std::string task_id;
};

// Reads the stream's lines until `until` holds of the events read or `timeout_ms` passes.
std::vector<Event> Read(net::HttpLineStream& s, const std::function<bool(const std::vector<Event>&)>& until,
                        int timeout_ms) {
  std::vector<Event> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!until(out) && std::chrono::steady_clock::now() < deadline) {
    auto line = s.NextLine(200);
    if (!line.ok()) break;
    if (!line->has_value()) continue;
    auto j = nlohmann::json::parse(**line);
    out.push_back({j.at("index").get<uint64_t>(), j.at("status").get<std::string>(),
                   j.value("task_id", "")});
  }
  return out;
}

std::vector<std::string> Statuses(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(e.status);
  return out;
}

bool Has(const std::vector<Event>& events, const std::string& status) {
  for (const Event& e : events) {
    if (e.status == status) return true;
  }
  return false;
}

class EventsTest : public ::testing::Test {
 protected:
  std::unique_ptr<net::HttpLineStream> Open(const std::string& query) {
    auto s = net::HttpLineStream::Open("127.0.0.1", cluster_.scheduler_port(), "/events?" + query,
                                       5'000);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  LocalCluster cluster_;
};

TEST_F(EventsTest, AFollowerSeesEveryTransitionAndResumesAcrossARestart) {
  cluster_.set_agent_timeout_ms(30'000);  // the agent outlives the scheduler's restart
  cluster_.StartScheduler();
  cluster_.StartAgent(0);
  auto stream = Open("job=www-data/devel/ev");
  ASSERT_NE(stream, nullptr);
  const std::string file = cluster_.WriteJobFile("ev.json", kJob);
  CommandResult r = cluster_.Cli({"job", "create", kJobKey, file, "--read-json", "--wait-until",
                                  "RUNNING"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<Event> seen = Read(*stream, [](const auto& es) { return Has(es, "RUNNING"); }, 10'000);
  EXPECT_EQ(Statuses(seen),
            (std::vector<std::string>{"PENDING", "ASSIGNED", "STARTING", "RUNNING"}));
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1].index, seen[i].index);
  ASSERT_FALSE(seen.empty());
  const uint64_t last = seen.back().index;
  stream.reset();  // the client goes away

  ASSERT_EQ(cluster_.Cli({"job", "kill", kJobKey}).exit_code, 0);
  cluster_.KillScheduler();
  cluster_.StartScheduler();

  // Resumed after the last index seen: the kill's transitions, nothing seen before.
  auto resumed = Open("job=www-data/devel/ev&index=" + std::to_string(last));
  ASSERT_NE(resumed, nullptr);
  std::vector<Event> after = Read(*resumed, [](const auto& es) { return Has(es, "KILLED"); }, 10'000);
  EXPECT_EQ(Statuses(after), (std::vector<std::string>{"KILLING", "KILLED"}));
  for (const Event& e : after) EXPECT_GT(e.index, last);

  // From the start of the log: everything, in the same order and with the same indexes.
  auto replay = Open("job=www-data/devel/ev&index=0");
  ASSERT_NE(replay, nullptr);
  std::vector<Event> all = Read(*replay, [](const auto& es) { return Has(es, "KILLED"); }, 10'000);
  ASSERT_EQ(all.size(), seen.size() + after.size());
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(all[i].index, seen[i].index);
}

TEST_F(EventsTest, AnIndexOlderThanTheWindowIsGoneAndBadFiltersAreNamed) {
  cluster_.add_scheduler_flags({"--event-window", "2"});
  cluster_.StartScheduler();
  cluster_.StartAgent(0);
  const std::string file = cluster_.WriteJobFile("ev.json", kJob);
  ASSERT_EQ(cluster_.Cli({"job", "create", kJobKey, file, "--read-json", "--wait-until",
                          "RUNNING"}).exit_code, 0);
  auto gone = net::HttpCall("GET", "127.0.0.1", cluster_.scheduler_port(), "/events?index=0", "",
                            "", 5'000);
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->status, 410) << gone->body;
  auto body = nlohmann::json::parse(gone->body);
  EXPECT_EQ(body["error"], "gone");
  EXPECT_GT(body["oldest_index"].get<uint64_t>(), 0u);
  EXPECT_GT(body["first_resumable_index"].get<uint64_t>(), 0u);

  auto bad = net::HttpCall("GET", "127.0.0.1", cluster_.scheduler_port(), "/events?type=nope", "",
                           "", 5'000);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("type: unknown event type 'nope'"), std::string::npos) << bad->body;
}

// A webhook receiver: answers 503 to its first request, 200 after; keeps what it got.
class Receiver {
 public:
  Receiver() : server_(net::HttpServer::Options{}) {
    server_.Route("POST", "/hook", [this](const net::HttpRequest& r) {
      base::MutexLock l(&mu_);
      requests_.push_back(r);
      return net::HttpResponse::Text(requests_.size() == 1 ? 503 : 200, "");
    });
    EXPECT_TRUE(server_.Start().ok());
  }
  int port() const { return server_.port(); }
  std::vector<net::HttpRequest> requests() {
    base::MutexLock l(&mu_);
    return requests_;
  }

 private:
  net::HttpServer server_;
  base::Mutex mu_;
  std::vector<net::HttpRequest> requests_;
};

TEST_F(EventsTest, TheWebhookDeliversStateChangesAndRetriesAFailure) {
  Receiver receiver;
  const std::string config = cluster_.WriteJobFile(
      "webhook.json", "{\"targetURL\": \"http://127.0.0.1:" + std::to_string(receiver.port()) +
                          "/hook\", \"headers\": {\"X-Test\": \"yes\"}, \"timeoutMsec\": 2000}");
  cluster_.add_scheduler_flags({"--webhook_config", config});
  cluster_.StartScheduler();
  cluster_.StartAgent(0);
  const std::string file = cluster_.WriteJobFile("ev.json", kJob);
  ASSERT_EQ(cluster_.Cli({"job", "create", kJobKey, file, "--read-json", "--wait-until",
                          "RUNNING"}).exit_code, 0);
  auto statuses = [&] {
    std::vector<std::string> out;
    for (const auto& r : receiver.requests()) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      out.push_back(j.is_discarded() ? "?" : j["task"].value("status", "?"));
    }
    return out;
  };
  ASSERT_TRUE(WaitFor([&] { return statuses().size() >= 5; }, 10'000))
      << ::testing::PrintToString(statuses());
  // The first post (PENDING) was refused and sent again, then the rest in order.
  EXPECT_EQ(statuses(), (std::vector<std::string>{"PENDING", "PENDING", "ASSIGNED", "STARTING",
                                                  "RUNNING"}));
  auto requests = receiver.requests();
  EXPECT_EQ(requests[1].Header("x-test"), "yes");
  EXPECT_FALSE(requests[1].Header("timestamp").empty());
  auto body = nlohmann::json::parse(requests[4].body);
  EXPECT_EQ(body["task"]["assignedTask"]["task"]["job"]["name"], "ev");
  EXPECT_EQ(body["oldState"]["reference"], "STARTING");
}

}  // namespace
}  // namespace borealis::integration
