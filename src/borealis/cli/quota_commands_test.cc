// Tests of the quota commands' pure pieces: sizes with units, CPUs, and the output (golden
// files in tests/cli/golden/).
#include "borealis/cli/quota_commands.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "borealis/cli/exit_codes.h"
#include "borealis/testing/temp_dir.h"

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

// An aggregate as the scheduler sends it: cpu, ram and disk, then `gpus` if any.
api::ResourceAggregate Aggregate(double cpus, int64_t ram_mb, int64_t disk_mb, int64_t gpus = 0) {
  api::Resource c, r, d, g;
  c.__set_numCpus(cpus);
  r.__set_ramMb(ram_mb);
  d.__set_diskMb(disk_mb);
  g.__set_numGpus(gpus);
  api::ResourceAggregate a;
  a.resources = {g, d, r, c};  // a set: the output orders them, not the insertion
  if (gpus == 0) a.resources.erase(g);
  return a;
}

api::GetQuotaResult AllBuckets() {
  api::GetQuotaResult result;
  result.quota = Aggregate(4, 8192, 51200);
  result.__set_prodSharedConsumption(Aggregate(1.5, 1024, 512));
  result.__set_nonProdSharedConsumption(Aggregate(0, 0, 0));
  result.__set_prodDedicatedConsumption(Aggregate(0.25, 128, 64, 1));
  result.__set_nonProdDedicatedConsumption(Aggregate(0.1, 16, 32));
  return result;
}

std::string Golden(const std::string& name) {
  return testing::ReadWholeFile(std::string(BOREALIS_SOURCE_DIR) + "/tests/cli/golden/" + name);
}

// Aurora's quota.py layout and its resource names and units.
TEST(QuotaOutputTest, TextIsAurorasLayout) {
  EXPECT_EQ(FormatQuota(AllBuckets()), Golden("quota_get.txt"));
  api::GetQuotaResult only_quota;
  only_quota.quota = Aggregate(2, 1024, 2048);
  EXPECT_EQ(FormatQuota(only_quota),
            "Allocated:\n  CPU: 2.0 core(s)\n  RAM: 1024 MB\n  Disk: 2048 MB\n");
}

// What Aurora's client writes with --write-json: the GetQuotaResult in Thrift's simple JSON.
TEST(QuotaOutputTest, WriteJsonIsTheGetQuotaResult) {
  EXPECT_EQ(QuotaJson(AllBuckets()) + "\n", Golden("quota_get.json"));
  api::GetQuotaResult only_quota;
  only_quota.quota = Aggregate(2, 1024, 2048);
  EXPECT_EQ(QuotaJson(only_quota),
            R"({"quota":{"resources":[{"numCpus":2.0},{"ramMb":1024},{"diskMb":2048}]}})");
}

TEST(PythonFloatTest, AsPythonReprWritesIt) {
  const std::vector<std::pair<double, const char*>> cases = {
      {0, "0.0"},          {4, "4.0"},           {0.5, "0.5"},        {0.1, "0.1"},
      {2.125, "2.125"},    {-1.5, "-1.5"},       {100, "100.0"},      {123456.75, "123456.75"},
      {0.0001, "0.0001"},  {0.00001, "1e-05"},   {1e15, "1000000000000000.0"},
      {1e16, "1e+16"},     {1.5e17, "1.5e+17"},  {0.1 + 0.2, "0.30000000000000004"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(PythonFloat(value), text) << text;
}

}  // namespace
}  // namespace borealis::cli
