// clusters.json search order, formats and errors.
#include "borealis/cli/clusters.h"

#include <stdlib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "borealis/cli/files.h"
#include "borealis/testing/status_matchers.h"
#include "borealis/testing/temp_dir.h"

namespace borealis::cli {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::borealis::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  ASSERT_THAT(WriteFileAtomically(path, text), IsOk());
}

class ClustersTest : public ::testing::Test {
 protected:
  ClusterSearch Search() const {
    ClusterSearch s;
    s.home = tmp_.Sub("home");
    s.etc_dir = tmp_.Sub("etc");
    s.aurora_config_root = tmp_.Sub("etc-aurora");
    return s;
  }
  TempDir tmp_;
};

TEST_F(ClustersTest, SearchOrderFirstFileWithTheNameWins) {
  Write(tmp_.Sub("home/.borealis/clusters.json"),
        R"([{"name": "a", "scheduler_uri": "http://borealis-home:1"}])");
  Write(tmp_.Sub("etc/clusters.json"),
        R"([{"name": "a", "scheduler_uri": "http://etc:2"},
            {"name": "b", "scheduler_uri": "http://etc:3"}])");
  Write(tmp_.Sub("home/.aurora/clusters.json"),
        R"([{"name": "b", "scheduler_uri": "http://aurora:4"},
            {"name": "c", "scheduler_uri": "http://aurora:5/"}])");
  EXPECT_THAT(Search().Paths(),
              ElementsAre(tmp_.Sub("home/.borealis/clusters.json"), tmp_.Sub("etc/clusters.json"),
                          tmp_.Sub("home/.aurora/clusters.json"),
                          tmp_.Sub("etc-aurora/clusters.json")));
  auto a = FindCluster(Search(), "a");
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->scheduler_uri, "http://borealis-home:1");
  EXPECT_EQ(a->source, tmp_.Sub("home/.borealis/clusters.json"));
  EXPECT_EQ(FindCluster(Search(), "b")->scheduler_uri, "http://etc:3");
  auto c = FindCluster(Search(), "c");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(*SchedulerUri(*c), "http://aurora:5");
}

TEST_F(ClustersTest, UnknownClusterListsKnownNames) {
  Write(tmp_.Sub("etc/clusters.json"), R"([{"name": "west"}, {"name": "east"}, {"zk": "x"}])");
  EXPECT_THAT(FindCluster(Search(), "north"),
              StatusIs(absl::StatusCode::kNotFound, "unknown cluster 'north'; known: east, west"));
  ClusterSearch empty;
  empty.home = tmp_.Sub("nohome");
  empty.etc_dir = tmp_.Sub("noetc");
  empty.aurora_config_root = tmp_.Sub("noetc");
  EXPECT_THAT(FindCluster(empty, "x"),
              StatusIs(absl::StatusCode::kNotFound, "unknown cluster 'x'; known: none"));
}

TEST_F(ClustersTest, EnvironmentVariableReplacesTheSearch) {
  Write(tmp_.Sub("home/.borealis/clusters.json"),
        R"([{"name": "a", "scheduler_uri": "http://home:1"}])");
  Write(tmp_.Sub("mine.json"), R"([{"name": "b", "scheduler_uri": "http://mine:2"}])");
  setenv("BOREALIS_CLUSTERS", tmp_.Sub("mine.json").c_str(), 1);
  setenv("HOME", tmp_.Sub("home").c_str(), 1);
  ClusterSearch search = ClusterSearch::FromEnvironment();
  unsetenv("BOREALIS_CLUSTERS");
  EXPECT_EQ(search.home, tmp_.Sub("home"));
  EXPECT_THAT(search.Paths(), ElementsAre(tmp_.Sub("mine.json")));
  EXPECT_EQ(FindCluster(search, "b")->scheduler_uri, "http://mine:2");
  EXPECT_THAT(FindCluster(search, "a"),
              StatusIs(absl::StatusCode::kNotFound, "unknown cluster 'a'; known: b"));

  ClusterSearch home_only = ClusterSearch::FromEnvironment();
  EXPECT_FALSE(home_only.clusters_env.has_value());
  EXPECT_EQ(home_only.Paths().front(), tmp_.Sub("home/.borealis/clusters.json"));
}

TEST_F(ClustersTest, AuroraFilesComeLastUserBeforeConfigRoot) {
  // Aurora lets ~/.aurora override $AURORA_CONFIG_ROOT; Borealis' own files come first.
  Write(tmp_.Sub("etc-aurora/clusters.json"),
        R"([{"name": "a", "scheduler_uri": "http://aurora-etc:1"},
            {"name": "only-etc", "scheduler_uri": "http://aurora-etc:2"}])");
  Write(tmp_.Sub("home/.aurora/clusters.json"),
        R"([{"name": "a", "scheduler_uri": "http://aurora-home:3"}])");
  EXPECT_EQ(FindCluster(Search(), "a")->scheduler_uri, "http://aurora-home:3");
  EXPECT_EQ(FindCluster(Search(), "only-etc")->scheduler_uri, "http://aurora-etc:2");
  Write(tmp_.Sub("etc/clusters.json"), R"([{"name": "a", "scheduler_uri": "http://etc:4"}])");
  EXPECT_EQ(FindCluster(Search(), "a")->scheduler_uri, "http://etc:4");
}

TEST_F(ClustersTest, AuroraConfigRootFromTheEnvironment) {
  unsetenv("BOREALIS_CLUSTERS");
  setenv("HOME", tmp_.Sub("home").c_str(), 1);
  unsetenv("AURORA_CONFIG_ROOT");
  EXPECT_EQ(ClusterSearch::FromEnvironment().Paths().back(), "/etc/aurora/clusters.json");
  setenv("AURORA_CONFIG_ROOT", "", 1);
  EXPECT_EQ(ClusterSearch::FromEnvironment().Paths().back(), "/etc/aurora/clusters.json");
  setenv("AURORA_CONFIG_ROOT", tmp_.Sub("root").c_str(), 1);
  ClusterSearch search = ClusterSearch::FromEnvironment();
  unsetenv("AURORA_CONFIG_ROOT");
  EXPECT_EQ(search.Paths().back(), tmp_.Sub("root/clusters.json"));
  Write(tmp_.Sub("root/clusters.json"), R"([{"name": "r", "scheduler_uri": "http://root:1"}])");
  EXPECT_EQ(FindCluster(search, "r")->scheduler_uri, "http://root:1");
}

TEST(ParseClustersJson, AurorasKeysAreReadAndChecked) {
  auto parsed = ParseClustersJson(
      R"([{"name": "devcluster", "scheduler_uri": "http://s:8081", "zk": "z", "zk_port": 2181,
           "scheduler_zk_path": "/aurora/scheduler", "auth_mechanism": "UNAUTHENTICATED",
           "proxy_url": "http://proxy/aurora/", "slave_root": "/var/lib/mesos",
           "slave_run_directory": "latest", "docker_registry": "registry:5000",
           "plugin_key": {"x": 1}}])",
      "f.json");
  ASSERT_THAT(parsed, IsOk());
  ASSERT_EQ(parsed->size(), 1u);
  const ClusterConfig& c = (*parsed)[0];
  EXPECT_EQ(c.slave_root, "/var/lib/mesos");
  EXPECT_EQ(c.slave_run_directory, "latest");
  EXPECT_EQ(c.docker_registry, "registry:5000");
  EXPECT_EQ(c.raw["plugin_key"]["x"], 1);
  EXPECT_EQ(*SchedulerUri(c), "http://s:8081");
  EXPECT_EQ(*WebUrl(c), "http://proxy/aurora/");
  for (const char* key : {"slave_root", "slave_run_directory", "docker_registry",
                          "auth_mechanism", "proxy_url"}) {
    EXPECT_THAT(ParseClustersJson(absl::StrCat(R"([{"name": "x", ")", key, R"(": 1}])"), "f.json"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("f.json: [0].", key, ": expected a string")));
  }
}

TEST(ParseClustersJson, ZooKeeperOnlyAndOtherAuthAreNotSupportedYet) {
  auto parsed = ParseClustersJson(
      R"([{"name": "zkonly", "zk": "zk1", "proxy_url": "http://p"},
          {"name": "kerb", "scheduler_uri": "http://s:1", "auth_mechanism": "KERBEROS"},
          {"name": "bare"}])",
      "f.json");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(SchedulerUri((*parsed)[0]),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("cluster 'zkonly' (f.json) finds its scheduler through "
                                 "ZooKeeper (zk): ZooKeeper discovery is not supported yet")));
  // Links need no scheduler address: the proxy_url alone serves, as in Aurora.
  EXPECT_EQ(*WebUrl((*parsed)[0]), "http://p");
  EXPECT_THAT(SchedulerUri((*parsed)[1]),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("cluster 'kerb' (f.json) asks for auth_mechanism KERBEROS, "
                                 "which is not supported yet")));
  EXPECT_THAT(WebUrl((*parsed)[2]), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("'bare' (f.json) has no scheduler_uri")));
}

TEST_F(ClustersTest, BadFilesAreErrorsNamingTheFile) {
  Write(tmp_.Sub("home/.borealis/clusters.json"), "{not json");
  EXPECT_THAT(FindCluster(Search(), "a"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(tmp_.Sub("home/.borealis/clusters.json") + ": not valid JSON")));
  Write(tmp_.Sub("home/.borealis/clusters.json"), R"([{"name": 3}])");
  EXPECT_THAT(FindCluster(Search(), "a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("[0].name: expected a string")));
  Write(tmp_.Sub("home/.borealis/clusters.json"), R"("x")");
  EXPECT_THAT(FindCluster(Search(), "a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected a list")));
}

TEST(ParseClustersJson, ObjectOfObjectsAndExtraKeys) {
  auto parsed = ParseClustersJson(
      R"({"west": {"scheduler_uri": "http://w:1", "auth_mechanism": "UNAUTHENTICATED"},
          "e": {"name": "east", "zk": "zk1,zk2", "zk_port": 2182, "scheduler_zk_path": "/s"}})",
      "f.json");
  ASSERT_THAT(parsed, IsOk());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].name, "east");
  EXPECT_EQ((*parsed)[0].zk_port, 2182);
  EXPECT_EQ((*parsed)[1].name, "west");
  EXPECT_THAT(SchedulerUri((*parsed)[0]),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("not supported yet")));
  EXPECT_EQ(*SchedulerUri((*parsed)[1]), "http://w:1");
}

TEST_F(ClustersTest, MergeKeepsOtherEntries) {
  const std::string path = tmp_.Sub("home/.borealis/clusters.json");
  ASSERT_THAT(MergeClusterEntry(path, ClusterEntryJson("devcluster", "http://127.0.0.1:1")), IsOk());
  Write(path, R"([{"name": "prod", "zk": "z", "extra": 1},
                  {"name": "devcluster", "scheduler_uri": "http://old"}])");
  ASSERT_THAT(MergeClusterEntry(path, ClusterEntryJson("devcluster", "http://127.0.0.1:2")), IsOk());
  auto text = ReadFile(path);
  ASSERT_THAT(text, IsOk());
  auto merged = nlohmann::json::parse(*text);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0]["name"], "prod");
  EXPECT_EQ(merged[0]["extra"], 1);
  EXPECT_EQ(merged[1]["scheduler_uri"], "http://127.0.0.1:2");
  Write(path, R"({"broken": true})");
  EXPECT_THAT(MergeClusterEntry(path, ClusterEntryJson("devcluster", "http://x")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a JSON list")));
}

}  // namespace
}  // namespace borealis::cli
