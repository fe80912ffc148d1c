#include "borealis/core/event_window.h"

#include <gtest/gtest.h>

namespace borealis::core {
namespace {

model::SchedulerEvent Task(const std::string& id, const std::string& status, int64_t t,
                           const std::string& job_name = "web", const std::string& host = "") {
  model::SchedulerEvent e;
  e.type = "task";
  e.time_ms = t;
  e.job = {"www-data", "devel", job_name};
  e.task_id = id;
  e.status = status;
  e.host = host;
  return e;
}

std::vector<uint64_t> Indexes(const std::variant<std::vector<model::SchedulerEvent>,
                                                 EventWindow::Gone>& since) {
  std::vector<uint64_t> out;
  for (const auto& e : std::get<std::vector<model::SchedulerEvent>>(since)) out.push_back(e.index);
  return out;
}

model::SchedulerEvent HostEvent(const std::string& type, const std::string& host) {
  model::SchedulerEvent e;
  e.type = type;
  e.status = "LOST";
  e.host = host;
  return e;
}

constexpr uint64_t Idx(uint64_t seq, uint64_t pos) { return (seq << model::kEventSeqShift) | pos; }

TEST(EventWindowTest, NumbersEventsByRecordAndPosition) {
  EventWindow w(100);
  w.StartAt(1);
  auto a = w.AppendRecord(1, {Task("t1", "PENDING", 10), Task("t2", "PENDING", 10)});
  auto b = w.AppendRecord(2, {Task("t1", "ASSIGNED", 20)});
  auto host = w.AppendUnrecorded({HostEvent("host_lost", "")});
  EXPECT_EQ(a[0].index, Idx(1, 0));
  EXPECT_EQ(a[1].index, Idx(1, 1));
  EXPECT_EQ(b[0].index, Idx(2, 0));
  EXPECT_EQ(host[0].index, Idx(2, 1));
  EXPECT_EQ(Indexes(w.Since(0, {})),
            (std::vector<uint64_t>{Idx(1, 0), Idx(1, 1), Idx(2, 0), Idx(2, 1)}));
}

TEST(EventWindowTest, ResumesAfterAnIndex) {
  EventWindow w(100);
  w.StartAt(1);
  w.AppendRecord(1, {Task("t1", "PENDING", 10), Task("t2", "PENDING", 10)});
  w.AppendRecord(2, {Task("t1", "ASSIGNED", 20)});
  EXPECT_EQ(Indexes(w.Since(Idx(1, 0), {})), (std::vector<uint64_t>{Idx(1, 1), Idx(2, 0)}));
  EXPECT_TRUE(Indexes(w.Since(Idx(2, 0), {})).empty());
  EXPECT_TRUE(Indexes(w.Since(Idx(9, 0), {})).empty());  // ahead: only what comes
}

TEST(EventWindowTest, AnIndexOlderThanTheWindowIsGone) {
  EventWindow w(2);
  w.StartAt(1);
  w.AppendRecord(1, {Task("t1", "PENDING", 10)});
  w.AppendRecord(2, {Task("t1", "ASSIGNED", 20)});
  w.AppendRecord(3, {Task("t1", "STARTING", 30)});  // drops Idx(1, 0)
  auto since = w.Since(0, {});
  ASSERT_TRUE(std::holds_alternative<EventWindow::Gone>(since));
  EXPECT_EQ(std::get<EventWindow::Gone>(since).oldest_index, Idx(2, 0));
  EXPECT_EQ(std::get<EventWindow::Gone>(since).first_resumable, Idx(1, 0));
  // Resuming right after the dropped event misses nothing.
  EXPECT_EQ(Indexes(w.Since(Idx(1, 0), {})), (std::vector<uint64_t>{Idx(2, 0), Idx(3, 0)}));
}

TEST(EventWindowTest, AfterARestartOnlyTheReplayedRecordsAreKnown) {
  EventWindow w(100);
  w.StartAt(5);  // records 1-4 were folded into a snapshot
  w.AppendRecord(5, {Task("t1", "RUNNING", 50)});
  w.Restarted();
  EXPECT_TRUE(std::holds_alternative<EventWindow::Gone>(w.Since(Idx(3, 2), {})));
  // A client that saw all of record 4 misses nothing.
  EXPECT_EQ(Indexes(w.Since(Idx(5, 0) - 1, {})), (std::vector<uint64_t>{Idx(5, 0)}));
  // Host events after the restart sort after those numbered before it in record 5's range.
  auto host = w.AppendUnrecorded({HostEvent("host_registered", "")});
  EXPECT_GT(host[0].index, Idx(5, 100));
  EXPECT_LT(host[0].index, Idx(6, 0));
  auto next = w.AppendRecord(6, {Task("t1", "FINISHED", 60)});
  EXPECT_EQ(next[0].index, Idx(6, 0));
}

TEST(EventWindowTest, AFreshLogResumesFromZero) {
  EventWindow w(100);
  w.StartAt(1);
  w.AppendRecord(1, {Task("t1", "PENDING", 10)});
  EXPECT_EQ(Indexes(w.Since(0, {})), (std::vector<uint64_t>{Idx(1, 0)}));
}

TEST(EventWindowTest, FiltersByJobRoleHostAndType) {
  EventWindow w(100);
  w.StartAt(1);
  model::SchedulerEvent lost = HostEvent("host_lost", "h1");
  w.AppendRecord(1, {Task("a", "RUNNING", 1, "web", "h1"), Task("b", "RUNNING", 1, "api", "h2")});
  w.AppendUnrecorded({lost});
  EventFilter by_job;
  by_job.jobs = {"www-data/devel/api"};
  EXPECT_EQ(Indexes(w.Since(0, by_job)), (std::vector<uint64_t>{Idx(1, 1)}));
  EventFilter by_host;
  by_host.hosts = {"h1"};
  EXPECT_EQ(Indexes(w.Since(0, by_host)), (std::vector<uint64_t>{Idx(1, 0), Idx(1, 2)}));
  EventFilter by_role;
  by_role.roles = {"www-data"};
  EXPECT_EQ(Indexes(w.Since(0, by_role)), (std::vector<uint64_t>{Idx(1, 0), Idx(1, 1)}));
  EventFilter by_types;
  by_types.types = {"host_lost", "update"};
  EXPECT_EQ(Indexes(w.Since(0, by_types)), (std::vector<uint64_t>{Idx(1, 2)}));
  EventFilter both;  // every set must match
  both.hosts = {"h1"};
  both.types = {"task"};
  EXPECT_EQ(Indexes(w.Since(0, both)), (std::vector<uint64_t>{Idx(1, 0)}));
}

}  // namespace
}  // namespace borealis::core
