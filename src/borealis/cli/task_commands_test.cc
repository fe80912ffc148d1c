// The task noun's parts that need no cluster: template binding, the command-line checks.
#include "borealis/cli/task_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/cli/cli_run_testing.h"
#include "borealis/cli/exec_client.h"

namespace borealis::cli {
namespace {

using ::testing::HasSubstr;

TEST(TaskTemplatesTest, BindsTheTasksValues) {
  GrantedTask t;
  t.instance = 3;
  t.task_id = "www-data-devel-web-3-abc";
  t.host = "127.0.0.2";
  t.ports = {{"http", 31001}};
  auto c = SubstituteTaskTemplates(
      "curl localhost:{{thermos.ports[http]}}/{{thermos.task_id}}?i={{mesos.instance}}&h={{mesos.hostname}}",
      t);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, "curl localhost:31001/www-data-devel-web-3-abc?i=3&h=127.0.0.2");
  auto missing = SubstituteTaskTemplates("echo {{thermos.ports[admin]}}", t);
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("admin"));
  EXPECT_EQ(SubstituteTaskTemplates("echo plain", t).value_or(""), "echo plain");
}

TEST(TaskCommandsTest, RefusesWhatNeedsSshOrAnInstance) {
  CliRun r = RunCliInProcess({"task", "ssh", "devcluster/www-data/devel/web", "--command", "ls"});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("INSTANCE must be specified"));
  r = RunCliInProcess({"task", "ssh", "devcluster/www-data/devel/web/0", "--tunnels", "8080:http"});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--tunnels is not supported yet"));
  r = RunCliInProcess({"task", "run", "devcluster/www-data/devel/web", "ls", "--ssh-options", "-v"});
  EXPECT_EQ(r.code, 6) << r.err;
  r = RunCliInProcess({"task", "scp", "devcluster/www-data/devel/web/0:~/x", "/tmp/x"});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("tilde"));
  r = RunCliInProcess({"task", "scp", "a", "b"});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("both local"));
  r = RunCliInProcess({"task", "scp", "only-one"});
  EXPECT_EQ(r.code, 5) << r.err;
  r = RunCliInProcess({"logs", "devcluster/www-data/devel/web", "--previous", "-1"});
  EXPECT_EQ(r.code, 6) << r.err;
}

}  // namespace
}  // namespace borealis::cli
