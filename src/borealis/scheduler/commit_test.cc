// The pipelined commit of SchedulerCore (scheduler_core.h): nothing is released before the
// append returns, a failed append releases nothing, commits are released in order, and
// snapshots go through the pipeline. A store whose appends wait on a gate holds a commit in
// flight for as long as a test needs.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "borealis/scheduler/core_test_support.h"
#include "borealis/scheduler/scheduler_core.h"

namespace borealis::scheduler {
namespace {

using test_support::FakeTransport;
using test_support::Job;
using test_support::Quota;

// A MemoryStore whose appends wait while the test keeps its gate closed, so that a commit
// stays in flight for as long as the test needs.
class GatedStore final : public state::Store {
 public:
  absl::Status Append(const std::vector<std::string>& records) override {
    std::unique_lock<std::mutex> l(mu_);
    append_thread_ = std::this_thread::get_id();
    ++appends_started_;
    cv_.notify_all();
    cv_.wait(l, [this] { return open_; });
    return inner.Append(records);
  }
  absl::Status WriteSnapshot(const std::string& s) override { return inner.WriteSnapshot(s); }
  absl::StatusOr<state::Recovered> Load() override { return inner.Load(); }
  uint64_t records_since_snapshot() const override { return inner.records_since_snapshot(); }
  uint64_t last_seq() const override { return inner.last_seq(); }

  void SetOpen(bool open) {
    {
      std::lock_guard<std::mutex> l(mu_);
      open_ = open;
    }
    cv_.notify_all();
  }
  void WaitForAppends(int n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return appends_started_ >= n; });
  }
  int appends_started() {
    std::lock_guard<std::mutex> l(mu_);
    return appends_started_;
  }
  std::thread::id append_thread() {
    std::lock_guard<std::mutex> l(mu_);
    return append_thread_;
  }

  state::MemoryStore inner;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int appends_started_ = 0;
  std::thread::id append_thread_;
};

class PipelinedCommitTest : public ::testing::Test {
 protected:
  PipelinedCommitTest() { Restart(); }
  void Restart() {
    core_ = std::make_unique<SchedulerCore>(options_, clock_, store_, transport_, 7);
    ASSERT_TRUE(core_->Recover().ok());
  }
  void RegisterAgent(const std::string& id) {
    transport_.connected.insert(id);
    core_->OnAgentRegister(test_support::Registration(id, id + ".example"));
    ASSERT_TRUE(core_->Flush().ok());
  }
  size_t ViewTasks() const { return core_->view()->tasks->size(); }

  SchedulerOptions options_;
  base::ManualClock clock_;
  GatedStore store_;
  FakeTransport transport_;
  std::unique_ptr<SchedulerCore> core_;
};

TEST_F(PipelinedCommitTest, EffectsWaitForTheAppendWhileTheOwnerGoesOn) {
  RegisterAgent("a1");
  store_.SetOpen(false);
  const int appends = store_.appends_started();
  ASSERT_EQ(core_->CreateJob(Job("web", 2)).responseCode, api::ResponseCode::OK);
  bool replied = false;
  core_->AfterCommit([&] { replied = true; });
  core_->Schedule();
  std::promise<std::thread::id> durable;  // set by on_durable, with the thread it ran on
  std::future<std::thread::id> durable_thread = durable.get_future();
  absl::StatusOr<bool> started =
      core_->StartCommit([&] { durable.set_value(std::this_thread::get_id()); });
  ASSERT_TRUE(started.ok());
  EXPECT_TRUE(*started);
  store_.WaitForAppends(appends + 1);
  EXPECT_TRUE(core_->commit_in_flight());
  EXPECT_TRUE(transport_.Launches().empty());
  EXPECT_FALSE(replied);
  EXPECT_EQ(ViewTasks(), 0u);
  EXPECT_NE(store_.append_thread(), std::this_thread::get_id());

  // The owner goes on: this job is in memory, in the next commit, not in the one in flight.
  ASSERT_EQ(core_->CreateJob(Job("api", 1)).responseCode, api::ResponseCode::OK);
  EXPECT_EQ(core_->state().task_count(), 3u);

  store_.SetOpen(true);
  ASSERT_TRUE(core_->FinishCommit().ok());
  EXPECT_FALSE(core_->commit_in_flight());
  // on_durable runs on the Committer's thread, after the append (maybe after FinishCommit).
  EXPECT_NE(durable_thread.get(), std::this_thread::get_id());
  EXPECT_TRUE(replied);
  EXPECT_EQ(transport_.Launches().size(), 2u);
  EXPECT_EQ(ViewTasks(), 2u);  // the view as the commit was taken: "api" is not in it

  core_->Schedule();
  ASSERT_TRUE(core_->Flush().ok());
  EXPECT_EQ(ViewTasks(), 3u);
  EXPECT_EQ(transport_.Launches().size(), 3u);
  Restart();
  EXPECT_EQ(core_->state().task_count(), 3u);
}

TEST_F(PipelinedCommitTest, AFailedAppendReleasesNothing) {
  RegisterAgent("a1");
  store_.inner.FailNextAppend(absl::UnavailableError("disk full"));
  ASSERT_EQ(core_->CreateJob(Job("web", 1)).responseCode, api::ResponseCode::OK);
  bool replied = false;
  core_->AfterCommit([&] { replied = true; });
  core_->Schedule();
  ASSERT_TRUE(core_->StartCommit().ok());
  absl::Status finished = core_->FinishCommit();
  EXPECT_EQ(finished.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(replied);
  EXPECT_TRUE(transport_.Launches().empty());
  EXPECT_EQ(ViewTasks(), 0u);
}

TEST_F(PipelinedCommitTest, NothingToWriteIsReleasedAtOnce) {
  bool replied = false;
  core_->AfterCommit([&] { replied = true; });
  bool durable = false;
  absl::StatusOr<bool> started = core_->StartCommit([&] { durable = true; });
  ASSERT_TRUE(started.ok());
  EXPECT_FALSE(*started);
  EXPECT_TRUE(replied);
  EXPECT_FALSE(durable);
  EXPECT_FALSE(core_->commit_in_flight());
}

TEST_F(PipelinedCommitTest, CommitsAreReleasedInTheOrderTaken) {
  std::vector<std::string> order;
  store_.SetOpen(false);
  const int appends = store_.appends_started();
  ASSERT_EQ(core_->CreateJob(Job("first", 1)).responseCode, api::ResponseCode::OK);
  core_->AfterCommit([&] { order.push_back("first"); });
  ASSERT_TRUE(core_->StartCommit().ok());
  ASSERT_EQ(core_->CreateJob(Job("second", 1)).responseCode, api::ResponseCode::OK);
  core_->AfterCommit([&] { order.push_back("second"); });
  // The next StartCommit must finish the first commit (wait for its append, release it)
  // before it takes the second: when it returns, "first" was released and "second" not yet.
  std::thread opener([&] {
    store_.WaitForAppends(appends + 1);
    store_.SetOpen(true);
  });
  ASSERT_TRUE(core_->StartCommit().ok());
  EXPECT_EQ(order, std::vector<std::string>{"first"});
  ASSERT_TRUE(core_->FinishCommit().ok());
  opener.join();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second"}));
}

TEST_F(PipelinedCommitTest, SnapshotsAreWrittenBehindTheirRecord) {
  options_.snapshot_every_records = 2;
  Restart();
  for (const char* role : {"a", "b", "c", "d", "e"}) {
    ASSERT_EQ(core_->SetQuota(role, Quota(1, 64, 64)).responseCode, api::ResponseCode::OK);
    ASSERT_TRUE(core_->StartCommit().ok());
  }
  ASSERT_TRUE(core_->FinishCommit().ok());
  ASSERT_TRUE(core_->Flush().ok());  // publishes the snapshot counters
  EXPECT_EQ(core_->view()->counters.at("snapshots"), 2);
  auto recovered = store_.inner.Load();
  ASSERT_TRUE(recovered.ok());
  EXPECT_TRUE(recovered->snapshot.has_value());
  EXPECT_EQ(recovered->records.size(), 1u);  // "e", after the snapshot of a..d
  Restart();
  EXPECT_EQ(core_->state().quotas().size(), 5u);
}

}  // namespace
}  // namespace borealis::scheduler
