#include "borealis/scheduler/event_hub.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_split.h"

namespace borealis::scheduler {
namespace {

model::SchedulerEvent Task(const std::string& id, const std::string& status) {
  model::SchedulerEvent e;
  e.type = "task";
  e.time_ms = 1000;
  e.job = {"www-data", "devel", "web"};
  e.task_id = id;
  e.instance = 0;
  e.status = status;
  return e;
}

model::SchedulerEvent HostEvent(const std::string& type, const std::string& host) {
  model::SchedulerEvent e;
  e.type = type;
  e.status = "LOST";
  e.host = host;
  return e;
}

EventHubOptions Opts(size_t window, size_t max_streams, size_t client_queue) {
  EventHubOptions o;
  o.window = window;
  o.max_streams = max_streams;
  o.client_queue = client_queue;
  return o;
}

constexpr uint64_t Idx(uint64_t seq, uint64_t pos) { return (seq << model::kEventSeqShift) | pos; }

std::shared_ptr<net::ResponseStream> Open(EventHub& hub, std::optional<uint64_t> after,
                                          core::EventFilter filter = {}) {
  auto r = hub.Subscribe(std::move(filter), after);
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<net::ResponseStream>>(r));
  auto s = std::get<std::shared_ptr<net::ResponseStream>>(r);
  s->Open([] {});
  return s;
}

std::vector<nlohmann::json> Lines(net::ResponseStream& s, bool* done) {
  std::vector<nlohmann::json> out;
  for (absl::string_view l : absl::StrSplit(s.Pull(done), '\n', absl::SkipEmpty())) {
    out.push_back(nlohmann::json::parse(l));
  }
  return out;
}

TEST(EventHubTest, ReplaysAfterTheIndexThenFollowsLive) {
  EventHub hub(Opts(100, 4, 100));
  hub.StartAt(1);
  hub.PublishRecord(1, {Task("t1", "PENDING"), Task("t2", "PENDING")});
  auto s = Open(hub, Idx(1, 0));
  hub.PublishRecord(2, {Task("t1", "ASSIGNED")});
  bool done = false;
  auto lines = Lines(*s, &done);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(done);
  EXPECT_EQ(lines[0]["index"], Idx(1, 1));
  EXPECT_EQ(lines[0]["task_id"], "t2");
  EXPECT_EQ(lines[0]["job"], "www-data/devel/web");
  EXPECT_EQ(lines[0]["time"], 1000);
  EXPECT_EQ(lines[1]["index"], Idx(2, 0));
  EXPECT_EQ(lines[1]["status"], "ASSIGNED");
}

TEST(EventHubTest, WithoutAnIndexOnlyNewEventsAreSent) {
  EventHub hub(EventHubOptions{});
  hub.StartAt(1);
  hub.PublishRecord(1, {Task("t1", "PENDING")});
  auto s = Open(hub, std::nullopt);
  hub.PublishRecord(2, {Task("t1", "ASSIGNED")});
  bool done = false;
  auto lines = Lines(*s, &done);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["index"], Idx(2, 0));
}

TEST(EventHubTest, AnOldIndexIsGoneWithTheOldestAvailable) {
  EventHub hub(Opts(1, 4, 100));
  hub.StartAt(1);
  hub.PublishRecord(1, {Task("t1", "PENDING")});
  hub.PublishRecord(2, {Task("t1", "ASSIGNED")});
  auto r = hub.Subscribe({}, 0);
  ASSERT_TRUE(std::holds_alternative<EventHub::Refusal>(r));
  const auto& refusal = std::get<EventHub::Refusal>(r);
  EXPECT_EQ(refusal.status, 410);
  auto body = nlohmann::json::parse(refusal.body);
  EXPECT_EQ(body["error"], "gone");
  EXPECT_EQ(body["oldest_index"], Idx(2, 0));
  EXPECT_EQ(body["first_resumable_index"], Idx(1, 0));
}

TEST(EventHubTest, ASlowConsumerIsDisconnectedWithAFinalLine) {
  EventHub hub(Opts(100, 4, 2));
  hub.StartAt(1);
  auto slow = Open(hub, std::nullopt);
  auto fast = Open(hub, std::nullopt);
  bool done = false;
  hub.PublishRecord(1, {Task("t1", "PENDING")});
  EXPECT_EQ(Lines(*fast, &done).size(), 1u);
  hub.PublishRecord(2, {Task("t1", "ASSIGNED")});
  EXPECT_EQ(Lines(*fast, &done).size(), 1u);
  hub.PublishRecord(3, {Task("t1", "STARTING")});  // slow has taken nothing: 2 queued
  auto lines = Lines(*slow, &done);
  EXPECT_TRUE(done);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2]["type"], "disconnected");
  EXPECT_EQ(lines[2]["resume_index"], Idx(2, 0));
  EXPECT_EQ(hub.slow_consumers_dropped(), 1);
  EXPECT_EQ(Lines(*fast, &done).size(), 1u);
  EXPECT_FALSE(done);
  EXPECT_EQ(hub.open_streams(), 1u);  // the slow one is no longer fed
}

TEST(EventHubTest, StreamsAreCapped) {
  EventHub hub(Opts(100, 1, 10));
  hub.StartAt(1);
  auto first = Open(hub, std::nullopt);
  auto refused = hub.Subscribe({}, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<EventHub::Refusal>(refused));
  EXPECT_EQ(std::get<EventHub::Refusal>(refused).status, 503);
  first->Close();
  first.reset();  // the connection let go of it
  Open(hub, std::nullopt);
}

TEST(EventHubTest, FiltersAndListenersSeeTheirEvents) {
  EventHub hub(EventHubOptions{});
  hub.StartAt(1);
  std::vector<uint64_t> heard;
  hub.AddListener([&](const std::vector<model::SchedulerEvent>& es) {
    for (const auto& e : es) heard.push_back(e.index);
  });
  core::EventFilter hosts;
  hosts.types = {"host_lost"};
  auto s = Open(hub, std::nullopt, hosts);
  hub.PublishRecord(1, {Task("t1", "PENDING")});
  hub.PublishUnrecorded({HostEvent("host_lost", "h")});
  bool done = false;
  auto lines = Lines(*s, &done);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["type"], "host_lost");
  EXPECT_EQ(lines[0]["host"], "h");
  EXPECT_EQ(heard, (std::vector<uint64_t>{Idx(1, 0), Idx(1, 1)}));
}

}  // namespace
}  // namespace borealis::scheduler
