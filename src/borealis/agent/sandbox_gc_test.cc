// Sandbox GC: the pure plan on a manual clock, and one pass over real directories.
#include "borealis/agent/sandbox_gc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <climits>

#include "borealis/agent/paths.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::agent {
namespace {

using ::borealis::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMiB = 1 << 20;

std::vector<std::string> Ids(const std::vector<GcRemoval>& removals) {
  std::vector<std::string> ids;
  for (const GcRemoval& r : removals) ids.push_back(r.task_id + ":" + r.reason);
  return ids;
}

GcPolicy Policy(int64_t max_age_ms, int watermark) {
  GcPolicy policy;
  policy.max_age_ms = max_age_ms;
  policy.disk_watermark_percent = watermark;
  return policy;
}

TEST(PlanSandboxGcTest, RemovesWhatIsOlderThanTheAge) {
  base::ManualClock clock;
  const int64_t t0 = clock.NowMs();
  std::vector<GcCandidate> tasks = {
      {"b", t0 - 1 * kHour, kMiB}, {"a", t0 - 3 * kHour, kMiB}, {"c", t0, kMiB}};
  EXPECT_THAT(Ids(PlanSandboxGc(tasks, Policy(2 * kHour, 0), std::nullopt, clock.NowMs())),
              ElementsAre("a:age"));
  clock.AdvanceMs(1 * kHour);  // b is now exactly 2 h old
  EXPECT_THAT(Ids(PlanSandboxGc(tasks, Policy(2 * kHour, 0), std::nullopt, clock.NowMs())),
              ElementsAre("a:age", "b:age"));
  clock.AdvanceMs(2 * kHour);
  EXPECT_THAT(Ids(PlanSandboxGc(tasks, Policy(2 * kHour, 0), std::nullopt, clock.NowMs())),
              ElementsAre("a:age", "b:age", "c:age"));
  EXPECT_THAT(PlanSandboxGc({}, Policy(0, 90), DiskState{100, 100}, clock.NowMs()), IsEmpty());
  // Damaged times neither overflow nor block the others.
  std::vector<GcCandidate> odd = {{"past", INT64_MIN, 1}, {"future", INT64_MAX, 1}};
  EXPECT_THAT(Ids(PlanSandboxGc(odd, Policy(INT64_MAX, 0), std::nullopt, clock.NowMs())),
              IsEmpty());
  EXPECT_THAT(Ids(PlanSandboxGc(odd, Policy(kHour, 0), std::nullopt, clock.NowMs())),
              ElementsAre("past:age"));
}

TEST(PlanSandboxGcTest, UnderDiskPressureRemovesOldestFirstUntilUnderTheWatermark) {
  base::ManualClock clock;
  const int64_t t0 = clock.NowMs();
  std::vector<GcCandidate> tasks = {{"new", t0 - 1, 30 * kMiB},
                                    {"old", t0 - 30, 10 * kMiB},
                                    {"mid", t0 - 20, 10 * kMiB},
                                    {"tie-b", t0 - 10, 10 * kMiB},
                                    {"tie-a", t0 - 10, 10 * kMiB}};
  GcPolicy policy = Policy(kHour, 90);
  // 95 of 100 MiB used: freeing old (10) brings it to 85 <= 90.
  EXPECT_THAT(Ids(PlanSandboxGc(tasks, policy, DiskState{95 * kMiB, 100 * kMiB}, t0)),
              ElementsAre("old:disk"));
  // Exactly at the watermark is not above it.
  EXPECT_THAT(PlanSandboxGc(tasks, policy, DiskState{90 * kMiB, 100 * kMiB}, t0), IsEmpty());
  // 125 used: old, mid, then the tie broken by id, until 85 <= 90.
  EXPECT_THAT(Ids(PlanSandboxGc(tasks, policy, DiskState{125 * kMiB, 100 * kMiB}, t0)),
              ElementsAre("old:disk", "mid:disk", "tie-a:disk", "tie-b:disk"));
  // More pressure than all of them can relieve: everything goes, nothing more.
  EXPECT_EQ(PlanSandboxGc(tasks, policy, DiskState{500 * kMiB, 100 * kMiB}, t0).size(), 5u);
  // Watermark off: only age counts.
  EXPECT_THAT(PlanSandboxGc(tasks, Policy(kHour, 0), DiskState{500 * kMiB, 100 * kMiB}, t0),
              IsEmpty());
}

TEST(PlanSandboxGcTest, WatermarkIsAStrictPercentOfCapacity) {
  EXPECT_TRUE(AboveWatermark(91, 100, 90));
  EXPECT_FALSE(AboveWatermark(90, 100, 90));
  EXPECT_FALSE(AboveWatermark(100, 100, 0));                            // off
  EXPECT_FALSE(AboveWatermark(5, 0, 90));                               // no capacity known
  EXPECT_TRUE(AboveWatermark(int64_t{1} << 62, int64_t{1} << 62, 99));  // no overflow
}

TEST(PlanSandboxGcTest, AgeFirstThenDisk) {
  const int64_t now = 10 * kHour;
  std::vector<GcCandidate> tasks = {{"aged", now - 5 * kHour, 5 * kMiB},
                                    {"young1", now - 2, 10 * kMiB},
                                    {"young2", now - 1, 10 * kMiB}};
  // 100 of 100 used; aged frees 5 (95), young1 frees 10 (85 <= 90).
  EXPECT_THAT(Ids(PlanSandboxGc(tasks, Policy(kHour, 90), DiskState{100 * kMiB, 100 * kMiB}, now)),
              ElementsAre("aged:age", "young1:disk"));
}

TEST(SandboxGcTest, CollectableMeansTerminalAcknowledgedAndExecutorGone) {
  TaskView view;
  view.task_id = "t";
  EXPECT_FALSE(CollectableTask(view));  // nothing reported
  view.state = model::ScheduleStatus::kRunning;
  EXPECT_FALSE(CollectableTask(view));
  view.state = model::ScheduleStatus::kFinished;
  EXPECT_TRUE(CollectableTask(view));
  view.executor_alive = true;
  EXPECT_FALSE(CollectableTask(view));
  view.executor_alive = false;
  view.updates_pending = true;
  EXPECT_FALSE(CollectableTask(view));
}

TEST(SandboxGcTest, ParsesDurations) {
  EXPECT_EQ(*ParseGcDuration("2d"), 2 * 24 * kHour);
  EXPECT_EQ(*ParseGcDuration("36h"), 36 * kHour);
  EXPECT_EQ(*ParseGcDuration("90m"), 90 * 60'000);
  EXPECT_EQ(*ParseGcDuration("45s"), 45'000);
  EXPECT_EQ(*ParseGcDuration("45"), 45'000);
  EXPECT_EQ(*ParseGcDuration("250ms"), 250);
  EXPECT_EQ(*ParseGcDuration("0"), 0);
  for (const char* bad : {"", "d", "-1h", "1.5h", "2w", "1h30m", "99999999999999999999d"}) {
    EXPECT_FALSE(ParseGcDuration(bad).ok()) << bad;
  }
}

// One pass over real directories: the collectable, old enough tasks are forgotten and
// their directories deleted (with a symlink out that must not be followed); the rest stay.
TEST(SandboxGcTest, RunOnceDeletesCollectedDirectoriesOnly) {
  borealis::testing::TempDir dir;
  AgentPaths paths{dir.Sub("work")};
  base::ManualClock clock;
  const int64_t now = clock.NowMs();
  auto make_task = [&](const std::string& id, const std::string& state, int64_t finished_ms) {
    ASSERT_THAT(MakeDirs(paths.Sandbox(id) + "/deep/er"), IsOk());
    ASSERT_THAT(base::WriteFileAtomically(paths.Sandbox(id) + "/deep/er/data", std::string(5000, 'x')),
                IsOk());
    ASSERT_THAT(
        base::WriteFileAtomically(paths.StatusJson(id), R"({"updates": [{"seq": 1, "state": ")" + state +
                                                  R"(", "message": "", "timestamp_ms": )" +
                                                  std::to_string(finished_ms) + "}]}"),
        IsOk());
  };
  ASSERT_THAT(MakeDirs(dir.Sub("precious")), IsOk());
  ASSERT_THAT(base::WriteFileAtomically(dir.Sub("precious/keep"), "keep"), IsOk());
  make_task("old-done", "FINISHED", now - 3 * kHour);
  ASSERT_EQ(::symlink(dir.Sub("precious").c_str(), (paths.Sandbox("old-done") + "/link").c_str()),
            0);
  make_task("young-done", "FAILED", now - 1);
  make_task("old-unacked", "FINISHED", now - 3 * kHour);
  make_task("running", "RUNNING", now - 3 * kHour);
  // A leftover of an earlier pass that crashed after the move.
  ASSERT_THAT(MakeDirs(GcTrashDir(paths) + "/leftover/x"), IsOk());

  std::vector<TaskView> views;
  auto view = [&](const std::string& id, model::ScheduleStatus state, bool pending) {
    TaskView v;
    v.task_id = id;
    v.state = state;
    v.updates_pending = pending;
    views.push_back(v);
  };
  view("old-done", model::ScheduleStatus::kFinished, false);
  view("young-done", model::ScheduleStatus::kFailed, false);
  view("old-unacked", model::ScheduleStatus::kFinished, true);
  view("running", model::ScheduleStatus::kRunning, false);

  std::vector<std::string> forgotten;
  SandboxGc::Hooks hooks;
  hooks.tasks = [&] { return views; };
  hooks.forget = [&](const std::string& id) {
    forgotten.push_back(id);
    std::erase_if(views, [&](const TaskView& v) { return v.task_id == id; });
    return MoveTaskDirToTrash(paths, id);
  };
  DiskState disk{50, 100};
  hooks.disk = [&]() -> absl::StatusOr<DiskState> { return disk; };
  SandboxGc gc(paths, Policy(2 * kHour, 90), clock, hooks);

  GcReport report = gc.RunOnce();
  EXPECT_THAT(report.errors, IsEmpty());
  EXPECT_THAT(forgotten, ElementsAre("old-done"));
  struct stat st;
  EXPECT_NE(::stat(paths.TaskDir("old-done").c_str(), &st), 0);
  EXPECT_EQ(::stat(paths.TaskDir("young-done").c_str(), &st), 0);
  EXPECT_EQ(::stat(paths.TaskDir("old-unacked").c_str(), &st), 0);
  EXPECT_EQ(::stat(paths.TaskDir("running").c_str(), &st), 0);
  EXPECT_THAT(*ListDir(GcTrashDir(paths)), IsEmpty());
  EXPECT_EQ(*ReadFile(dir.Sub("precious/keep")), "keep");  // the symlink was not followed

  // Disk pressure takes the young one too, but never what is not collectable.
  disk = DiskState{99, 100};
  report = gc.RunOnce();
  EXPECT_THAT(Ids(report.removed), ElementsAre("young-done:disk"));
  EXPECT_NE(::stat(paths.TaskDir("young-done").c_str(), &st), 0);
  EXPECT_EQ(::stat(paths.TaskDir("old-unacked").c_str(), &st), 0);
  EXPECT_EQ(::stat(paths.TaskDir("running").c_str(), &st), 0);
}

}  // namespace
}  // namespace borealis::agent
