// Golden output of every `borealis`/`aurora` command that prints something, run through the
// CLI's entry point against a fake scheduler with fixed replies (or, for the commands that
// only read a file, against the examples in examples/), in human and --write-json form.
// The goldens in tests/cli/golden/ follow Aurora's client's formats; where Borealis differs
// on purpose, docs/aurora-compatibility.md says so. The scheduler's address is written
// SCHEDULER in them.
//
// After a deliberate change of an output: BOREALIS_REGEN_GOLDEN=1 ./cli_test
// --gtest_filter='GoldenOutput*', then read the diff of tests/cli/golden/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/fake_scheduler_testing.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::cli {
namespace {

using ::testing::HasSubstr;

const std::string kSource = BOREALIS_SOURCE_DIR;

std::string GoldenPath(const std::string& name) { return kSource + "/tests/cli/golden/" + name; }

api::TaskConfig Config(const std::string& name, bool service) {
  api::TaskConfig c;
  c.job.__set_role("www-data");
  c.job.__set_environment("devel");
  c.job.__set_name(name);
  c.__isset.job = true;
  c.__set_isService(service);
  c.__set_priority(0);
  c.__set_maxTaskFailures(1);
  c.__set_production(false);
  c.__set_tier("preemptible");
  api::Resource cpu, ram, disk;
  cpu.__set_numCpus(0.25);
  ram.__set_ramMb(64);
  disk.__set_diskMb(128);
  c.__set_resources({cpu, ram, disk});
  return c;
}

api::TaskEvent Event(int64_t ms, api::ScheduleStatus::type status, const std::string& message) {
  api::TaskEvent e;
  e.__set_timestamp(ms);
  e.__set_status(status);
  if (!message.empty()) e.__set_message(message);
  e.__set_scheduler("borealis");
  return e;
}

constexpr int64_t kT0 = 1796601600000;  // 2026-12-07T00:00:00Z

api::ScheduledTask Task(int32_t instance, const std::string& id, api::ScheduleStatus::type status,
                        const std::string& host) {
  api::ScheduledTask t;
  api::AssignedTask a;
  a.__set_taskId(id);
  a.__set_instanceId(instance);
  a.__set_task(Config("hello", true));
  if (!host.empty()) {
    a.__set_slaveHost(host);
    a.__set_slaveId("agent-" + host);
    a.__set_assignedPorts({{"http", 31001 + instance}});
  }
  t.__set_assignedTask(a);
  t.__set_status(status);
  t.__set_failureCount(0);
  t.__set_timesPartitioned(0);
  std::vector<api::TaskEvent> events{Event(kT0, api::ScheduleStatus::PENDING, "")};
  if (!host.empty()) {
    events.push_back(Event(kT0 + 1000, api::ScheduleStatus::ASSIGNED, ""));
    events.push_back(Event(kT0 + 2000, api::ScheduleStatus::STARTING, "Starting"));
    events.push_back(Event(kT0 + 3000, api::ScheduleStatus::RUNNING, "Running"));
  }
  if (status == api::ScheduleStatus::FINISHED) {
    events.push_back(Event(kT0 + 4000, api::ScheduleStatus::FINISHED, "Task finished"));
  }
  t.__set_taskEvents(events);
  return t;
}

class GoldenOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.started());
    std::ofstream(dir_.Sub("clusters.json"))
        << R"([{"name": "devcluster", "scheduler_uri": ")" << fake_.uri() << R"("}])";
    SetReplies();
  }

  void SetReplies() {
    api::Result status;
    status.__set_scheduleStatusResult(api::ScheduleStatusResult());
    status.scheduleStatusResult.__set_tasks(
        {Task(0, "www-data-devel-hello-0-a1", api::ScheduleStatus::RUNNING, "127.0.0.2"),
         Task(1, "www-data-devel-hello-1-b2", api::ScheduleStatus::PENDING, ""),
         Task(0, "www-data-devel-hello-0-c3", api::ScheduleStatus::FINISHED, "127.0.0.3")});
    fake_.SetReply("getTasksWithoutConfigs", FakeScheduler::Ok(status));

    api::PendingReason reason;
    reason.__set_taskId("www-data-devel-hello-1-b2");
    reason.__set_reason("Insufficient resources: ram");
    api::Result pending;
    pending.__set_getPendingReasonResult(api::GetPendingReasonResult());
    pending.getPendingReasonResult.__set_reasons({reason});
    fake_.SetReply("getPendingReason", FakeScheduler::Ok(pending));

    api::JobConfiguration hello, report;
    hello.__set_key(Config("hello", true).job);
    hello.__set_taskConfig(Config("hello", true));
    hello.__set_instanceCount(2);
    report.__set_key(Config("nightly_report", false).job);
    report.__set_taskConfig(Config("nightly_report", false));
    report.__set_instanceCount(1);
    report.__set_cronSchedule("30 2 * * *");
    api::Result jobs;
    jobs.__set_getJobsResult(api::GetJobsResult());
    jobs.getJobsResult.__set_configs({hello, report});
    fake_.SetReply("getJobs", FakeScheduler::Ok(jobs));

    api::JobUpdateSummary update;
    update.key.__set_job(Config("hello", true).job);
    update.key.__set_id("8d4c5b0e-9c38-4a4f-9c1e-7a1f2b3c4d5e");
    update.__set_user("alice");
    update.state.__set_status(api::JobUpdateStatus::ROLLING_FORWARD);
    update.state.__set_createdTimestampMs(kT0);
    update.state.__set_lastModifiedTimestampMs(kT0 + 5000);
    api::Result updates;
    updates.__set_getJobUpdateSummariesResult(api::GetJobUpdateSummariesResult());
    updates.getJobUpdateSummariesResult.__set_updateSummaries({update});
    fake_.SetReply("getJobUpdateSummaries", FakeScheduler::Ok(updates));

    api::Result empty;
    for (const char* m : {"createJob", "killTasks", "scheduleCronJob", "descheduleCronJob",
                          "startCronJob", "addInstances", "pauseJobUpdate", "resumeJobUpdate",
                          "abortJobUpdate"}) {
      fake_.SetReply(m, FakeScheduler::Ok(empty));
    }
  }

  CliRun Run(std::vector<std::string> args, const std::string& argv0 = "borealis") {
    ClusterSearch search;
    search.clusters_env = dir_.Sub("clusters.json");
    search.etc_dir = dir_.Sub("etc");
    CliRun r = RunCliInProcess(std::move(args), std::move(search), dir_.path(), argv0);
    for (std::string* s : {&r.out, &r.err}) {
      *s = absl::StrReplaceAll(*s, {{fake_.uri(), "SCHEDULER"}, {kSource + "/", ""}});
    }
    return r;
  }

  // Compares `actual` with the golden file `name` (or rewrites it, see the top of the file).
  static void ExpectGolden(const std::string& actual, const std::string& name) {
    if (std::getenv("BOREALIS_REGEN_GOLDEN") != nullptr) {
      std::ofstream(GoldenPath(name)) << actual;
      return;
    }
    EXPECT_EQ(actual, testing::ReadWholeFile(GoldenPath(name))) << "golden " << name;
  }

  testing::TempDir dir_;
  FakeScheduler fake_;
};

struct GoldenCase {
  std::vector<std::string> args;
  const char* golden;  // of standard output
};

// Each command, its exit code 0, its standard output as in the golden file and nothing on
// standard error.
TEST_F(GoldenOutputTest, EveryCommandAsTheGoldenSays) {
  const std::string key = "devcluster/www-data/devel/hello";
  const std::string cron_key = "devcluster/www-data/devel/nightly_report";
  const std::string final_example = kSource + "/examples/final_processes.aurora";
  const std::vector<GoldenCase> cases = {
      {{"job", "status", key}, "job_status.txt"},
      {{"job", "status", key, "--write-json"}, "job_status.json"},
      {{"job", "status", "devcluster/www-data/devel/nothing", "--write-json"},
       "job_status_not_found.json"},
      {{"job", "list", "devcluster/www-data"}, "job_list.txt"},
      {{"job", "list", "devcluster/www-data", "--write-json"}, "job_list.json"},
      {{"job", "inspect", "devcluster/www-data/devel/finalize_on_kill", final_example},
       "job_inspect.txt"},
      {{"job", "inspect", "devcluster/www-data/devel/finalize_on_kill", final_example,
        "--write-json"},
       "job_inspect.json"},
      {{"config", "list", kSource + "/examples/combine_concat.aurora"}, "config_list.txt"},
      {{"job", "create", "devcluster/www-data/devel/finalize_on_kill", final_example},
       "job_create.txt"},
      {{"job", "kill", key + "/1", "--no-wait"}, "job_kill.txt"},
      {{"job", "killall", key, "--no-wait"}, "job_killall.txt"},
      {{"cron", "schedule", cron_key, kSource + "/examples/cron.aurora"}, "cron_schedule.txt"},
      {{"cron", "show", cron_key}, "cron_show.txt"},
      {{"cron", "start", cron_key}, "cron_start.txt"},
      {{"cron", "deschedule", cron_key}, "cron_deschedule.txt"},
      {{"job", "open", key}, "job_open.txt"},
      {{"job", "add", key + "/0", "2"}, "job_add.txt"},
      {{"update", "pause", key}, "update_pause.txt"},
      {{"update", "resume", key}, "update_resume.txt"},
      {{"update", "abort", key}, "update_abort.txt"},
      {{"update", "list", "devcluster/www-data"}, "update_list_active.txt"},
      {{"update", "list", "devcluster/www-data", "--write-json"}, "update_list_active.json"},
      {{"--version"}, "version.txt"},
  };
  for (const GoldenCase& c : cases) {
    CliRun r = Run(c.args);
    EXPECT_EQ(r.code, 0) << c.golden << ": " << r.err;
    EXPECT_EQ(r.err, "") << c.golden;
    ExpectGolden(r.out, c.golden);
  }
}

// The `aurora` name prints the same as `borealis`.
TEST_F(GoldenOutputTest, TheAuroraNamePrintsTheSame) {
  CliRun r = Run({"job", "status", "devcluster/www-data/devel/hello"}, "/usr/bin/aurora");
  EXPECT_EQ(r.code, 0) << r.err;
  ExpectGolden(r.out, "job_status.txt");
}

// What goes to standard error, with its exit code, for the refusals scripts see most.
TEST_F(GoldenOutputTest, RefusalsOnStandardError) {
  CliRun none = Run({"job", "status", "devcluster/www-data/devel/nothing"});
  EXPECT_EQ(none.code, kExitInvalidParameter);
  EXPECT_EQ(none.out, "");
  EXPECT_THAT(none.err, HasSubstr("Found no jobs matching devcluster/www-data/devel/nothing"));

  CliRun no_cron = Run({"cron", "show", "devcluster/www-data/devel/hello"});
  EXPECT_EQ(no_cron.code, kExitInvalidParameter);
  EXPECT_THAT(no_cron.err, HasSubstr("No cron entry found for job devcluster/www-data/devel/hello"));

  fake_.SetReply("createJob", FakeScheduler::Refusal(api::ResponseCode::INVALID_REQUEST,
                                                     "Job already exists"));
  CliRun exists = Run({"job", "create", "devcluster/www-data/devel/finalize_on_kill",
                       kSource + "/examples/final_processes.aurora"});
  EXPECT_EQ(exists.code, kExitApiError);
  EXPECT_EQ(exists.out, "");
  EXPECT_THAT(exists.err, HasSubstr("INVALID_REQUEST: Job already exists"));
}

}  // namespace
}  // namespace borealis::cli
