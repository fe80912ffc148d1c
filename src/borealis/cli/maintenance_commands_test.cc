// The pure pieces of the host maintenance commands: host lists, time amounts, groups.
#include "borealis/cli/maintenance_commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace borealis::cli {
namespace {

using Hosts = std::vector<std::string>;

TEST(MaintenanceCommandsTest, HostLists) {
  EXPECT_EQ(*ParseHostList("a,b", "", ""), (Hosts{"a", "b"}));
  EXPECT_EQ(*ParseHostList("", "f", "a\n\n b \n"), (Hosts{"a", "b"}));
  EXPECT_EQ(ParseHostList("", "", "").status().message(),
            "give exactly one of --hosts and --filename");
  EXPECT_EQ(ParseHostList("a", "f", "").status().message(),
            "give exactly one of --hosts and --filename");
  EXPECT_EQ(ParseHostList("a,,b", "", "").status().message(), "--hosts: an empty host name");
  EXPECT_EQ(ParseHostList("a,b,a", "", "").status().message(),
            "--hosts: host 'a' is listed twice");
  EXPECT_EQ(ParseHostList("", "hosts.txt", "a\nb\na\n").status().message(),
            "hosts.txt:3: host 'a' is listed twice");
  EXPECT_EQ(ParseHostList("", "hosts.txt", "\n").status().message(), "hosts.txt: no host");
}

TEST(MaintenanceCommandsTest, TimeAmounts) {
  EXPECT_EQ(*ParseDurationSecs("30m", "--d"), 1800);
  EXPECT_EQ(*ParseDurationSecs("7d", "--d"), 604800);
  EXPECT_EQ(*ParseDurationSecs("1h30m", "--d"), 5400);
  EXPECT_EQ(*ParseDurationSecs("45s", "--d"), 45);
  EXPECT_EQ(*ParseDurationSecs("120", "--d"), 120);
  for (const char* bad : {"", "m", "10x", "5m3", "-1"}) {
    EXPECT_FALSE(ParseDurationSecs(bad, "--force_drain_timeout").ok()) << bad;
  }
  EXPECT_EQ(ParseDurationSecs("soon", "--force_drain_timeout").status().message(),
            "--force_drain_timeout: 'soon' is not a time amount (e.g. 30m, 7d, 1h30m, 45s or "
            "seconds)");
  EXPECT_EQ(*ParsePercentage("99.5", "--p"), 99.5);
  EXPECT_FALSE(ParsePercentage("0", "--p").ok());
  EXPECT_FALSE(ParsePercentage("101", "--p").ok());
}

TEST(MaintenanceCommandsTest, GroupsAndLines) {
  EXPECT_EQ(GroupHosts({"a", "b"}, "by_host")->size(), 2u);
  EXPECT_EQ(GroupHosts({"a", "b"}, "none")->size(), 1u);
  EXPECT_FALSE(GroupHosts({"a"}, "by_rack").ok());
  EXPECT_EQ(HostStateLine("h1", "DRAINED"), "h1 is in state: DRAINED");
}

}  // namespace
}  // namespace borealis::cli
