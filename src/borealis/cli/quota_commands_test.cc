// Tests of the quota commands' pure pieces: sizes with units, CPUs, and the output.
#include "borealis/cli/quota_commands.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "borealis/cli/exit_codes.h"

namespace borealis::cli {
namespace {

TEST(ParseSizeMbTest, Table) {
  struct Case {
    const char* text;
    int64_t mb;
  };
  const std::vector<Case> cases = {
      {"512MB", 512},  {"512mb", 512},    {"512M", 512},  {"4GB", 4096},   {"4g", 4096},
      {"1.5GB", 1536}, {"1TB", 1048576},  {"2048", 2048}, {"2048KB", 2},   {"1K", 1},
      {"1048576B", 1}, {" 8GB ", 8192},   {"0", 0},
  };
  for (const auto& c : cases) {
    auto mb = ParseSizeMb(c.text, "ram");
    ASSERT_TRUE(mb.ok()) << c.text << ": " << mb.status();
    EXPECT_EQ(*mb, c.mb) << c.text;
  }
}

TEST(ParseSizeMbTest, RejectsBadInput) {
  for (const char* text : {"", "GB", "-1GB", "4XB", "4 GB x", "abc", "1e400"}) {
    auto mb = ParseSizeMb(text, "disk");
    ASSERT_FALSE(mb.ok()) << text;
    EXPECT_EQ(ExitCodeFor(mb.status()), kExitInvalidParameter) << text;
    EXPECT_NE(std::string(mb.status().message()).find("disk"), std::string::npos) << text;
  }
}

TEST(ParseMilliCpusTest, Table) {
  EXPECT_EQ(*ParseMilliCpus("4"), 4000);
  EXPECT_EQ(*ParseMilliCpus("0.5"), 500);
  EXPECT_EQ(*ParseMilliCpus("2.125"), 2125);
  EXPECT_FALSE(ParseMilliCpus("-1").ok());
  EXPECT_FALSE(ParseMilliCpus("1.0005").ok());
  EXPECT_FALSE(ParseMilliCpus("x").ok());
  EXPECT_EQ(ExitCodeFor(ParseMilliCpus("x").status()), kExitInvalidParameter);
}

api::ResourceAggregate Aggregate(double cpus, int64_t ram_mb, int64_t disk_mb) {
  api::Resource c, r, d;
  c.__set_numCpus(cpus);
  r.__set_ramMb(ram_mb);
  d.__set_diskMb(disk_mb);
  api::ResourceAggregate a;
  a.resources = {c, r, d};
  return a;
}

TEST(QuotaOutputTest, TextAndJson) {
  api::GetQuotaResult result;
  result.quota = Aggregate(4, 8192, 51200);
  result.__set_prodSharedConsumption(Aggregate(1.5, 1024, 512));
  result.__set_nonProdSharedConsumption(Aggregate(0, 0, 0));
  const std::string text = FormatQuota(result);
  EXPECT_EQ(text.rfind("Allocated:\n  CPU: 4\n  RAM: 8.000000 GB\n  Disk: 50.000000 GB\n", 0), 0u)
      << text;
  EXPECT_NE(text.find("Production shared pool resources consumed:\n  CPU: 1.5\n"),
            std::string::npos)
      << text;
  auto j = nlohmann::json::parse(QuotaJson(result));
  EXPECT_EQ(j["quota"]["ramMb"], 8192);
  EXPECT_EQ(j["prodSharedConsumption"]["numCpus"], 1.5);
  EXPECT_FALSE(j.contains("prodDedicatedConsumption"));
}

}  // namespace
}  // namespace borealis::cli
