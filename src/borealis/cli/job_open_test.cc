// `job open`: URL building as Aurora's client does it, and the command's output.
#include "borealis/cli/job_open.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/files.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::cli {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::borealis::testing::TempDir;
using ::testing::HasSubstr;

TEST(UrlJoin, ResolvesLikeABrowser) {
  struct Case {
    const char* base;
    const char* want;
  };
  for (const Case& c : {Case{"http://h:8081", "http://h:8081/scheduler"},
                        Case{"http://h:8081/", "http://h:8081/scheduler"},
                        Case{"http://proxy/aurora/", "http://proxy/aurora/scheduler"},
                        Case{"http://proxy/aurora", "http://proxy/scheduler"},
                        Case{"https://p.example/a/b/", "https://p.example/a/b/scheduler"}}) {
    EXPECT_EQ(UrlJoin(c.base, "scheduler"), c.want) << c.base;
  }
}

TEST(SchedulerPageUrl, EachDepth) {
  EXPECT_EQ(*SchedulerPageUrl("http://h:1", "", "", ""), "http://h:1/scheduler");
  EXPECT_EQ(*SchedulerPageUrl("http://h:1", "www-data", "", ""), "http://h:1/scheduler/www-data");
  EXPECT_EQ(*SchedulerPageUrl("http://h:1", "www-data", "prod", ""),
            "http://h:1/scheduler/www-data/prod");
  EXPECT_EQ(*SchedulerPageUrl("http://h:1/", "www-data", "prod", "web"),
            "http://h:1/scheduler/www-data/prod/web");
  EXPECT_THAT(SchedulerPageUrl("http://h:1", "", "prod", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a role")));
  EXPECT_THAT(SchedulerPageUrl("http://h:1", "r", "", "web"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a role and an env")));
}

class JobOpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(WriteFileAtomically(tmp_.Sub("clusters.json"), R"([
      {"name": "dev", "scheduler_uri": "http://127.0.0.1:8081/"},
      {"name": "proxied", "zk": "zk1", "proxy_url": "http://aurora.example/"},
      {"name": "zkonly", "zk": "zk1"}])"),
                IsOk());
    search_.clusters_env = tmp_.Sub("clusters.json");
  }

  CliRun Open(const std::string& spec, BrowserLauncher browser) {
    base::ManualClock clock;
    std::ostringstream out, err;
    CliContext ctx{clock, out, err, search_, "", "", [](int64_t) {}};
    JobOpenOptions options{spec, browser};
    absl::Status s = JobOpen(ctx, options);
    if (!s.ok()) err << s.message();
    return {ExitCodeFor(s), out.str(), err.str()};
  }

  TempDir tmp_;
  ClusterSearch search_;
};

TEST_F(JobOpenTest, PrintsTheUrlWithoutADisplay) {
  CliRun r = Open("dev/www-data/prod/web", BrowserLauncher{false, "/bin/false"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "http://127.0.0.1:8081/scheduler/www-data/prod/web\n");
  // No xdg-open at all is no failure either.
  r = Open("dev/www-data", BrowserLauncher{true, ""});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "http://127.0.0.1:8081/scheduler/www-data\n");
}

TEST_F(JobOpenTest, ProxyUrlIsUsedAndNeedsNoScheduler) {
  CliRun r = Open("proxied/www-data/prod", BrowserLauncher{});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "http://aurora.example/scheduler/www-data/prod\n");
}

TEST_F(JobOpenTest, PrintedLinksGoThroughTheProxy) {
  base::ManualClock clock;
  std::ostringstream out, err;
  CliContext ctx{clock, out, err, search_, "", "", [](int64_t) {}};
  EXPECT_EQ(LinkBaseFor(ctx, "proxied", "http://s:1"), "http://aurora.example");
  EXPECT_EQ(LinkBaseFor(ctx, "dev", "http://127.0.0.1:8081"), "http://127.0.0.1:8081");
  EXPECT_EQ(LinkBaseFor(ctx, "unknown", "http://s:1"), "http://s:1");
}

TEST_F(JobOpenTest, BadKeysAndClusters) {
  EXPECT_EQ(Open("dev/a/b/c/d", BrowserLauncher{}).code, kExitInvalidParameter);
  EXPECT_EQ(Open("dev//prod", BrowserLauncher{}).code, kExitInvalidParameter);
  CliRun unknown = Open("nowhere", BrowserLauncher{});
  EXPECT_EQ(unknown.code, kExitInvalidConfig);
  EXPECT_THAT(unknown.err, HasSubstr("unknown cluster 'nowhere'"));
  CliRun zk = Open("zkonly", BrowserLauncher{});
  EXPECT_EQ(zk.code, kExitInvalidConfig);
  EXPECT_THAT(zk.err, HasSubstr("ZooKeeper discovery is not supported yet"));
}

TEST_F(JobOpenTest, HandsTheUrlToXdgOpenWhenADisplayIsPresent) {
  const std::string seen = tmp_.Sub("seen");
  const std::string script = tmp_.Sub("xdg-open");
  ASSERT_THAT(WriteFileAtomically(script, "#!/bin/sh\necho \"$1\" > " + seen + ".tmp && mv " +
                                              seen + ".tmp " + seen + "\n"),
              IsOk());
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  CliRun r = Open("dev", BrowserLauncher{true, script});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "http://127.0.0.1:8081/scheduler\n");
  // xdg-open runs detached: wait for what it wrote, at most 1000 polls of 20 ms.
  for (int i = 0; i < 1000 && !ReadFile(seen).ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ReadFile(seen).value_or(""), "http://127.0.0.1:8081/scheduler\n");
}

TEST(JobOpenCommand, ReachableFromTheCommandLine) {
  TempDir tmp;
  ASSERT_THAT(WriteFileAtomically(tmp.Sub("c.json"),
                                  R"([{"name": "dev", "scheduler_uri": "http://h:1"}])"),
              IsOk());
  ClusterSearch search;
  search.clusters_env = tmp.Sub("c.json");
  unsetenv("DISPLAY");
  unsetenv("WAYLAND_DISPLAY");
  CliRun r = RunCliInProcess({"job", "open", "dev/www-data/prod/web"}, search, "", "aurora");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "http://h:1/scheduler/www-data/prod/web\n");
}

}  // namespace
}  // namespace borealis::cli
