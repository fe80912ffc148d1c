// Tests of the quota rules: what consumes quota, the buckets, the create check, setQuota.
#include "borealis/core/quota.h"

#include "borealis/model/constraint.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace borealis::core {
namespace {

using S = model::ScheduleStatus;

model::Resources R(int64_t milli_cpus, int64_t ram_mb, int64_t disk_mb) {
  model::Resources r;
  r.milli_cpus = milli_cpus;
  r.ram_mb = ram_mb;
  r.disk_mb = disk_mb;
  return r;
}

std::shared_ptr<const model::Task> T(const std::string& role, bool production, bool dedicated,
                                     S status, model::Resources res = R(1000, 100, 10)) {
  auto config = std::make_shared<model::TaskConfig>();
  config->job = {role, "prod", "job"};
  config->production = production;
  config->resources = res;
  if (dedicated) {
    model::Constraint c;
    c.name = "dedicated";
    c.values = {role + "/x"};
    config->constraints.push_back(c);
  }
  auto t = std::make_shared<model::Task>();
  t->config = config;
  t->status = status;
  return t;
}

TEST(QuotaTest, WhatConsumes) {
  EXPECT_TRUE(ConsumesQuota(*T("r", true, false, S::kRunning)->config));
  EXPECT_FALSE(ConsumesQuota(*T("r", false, false, S::kRunning)->config));
  EXPECT_FALSE(ConsumesQuota(*T("r", true, true, S::kRunning)->config));
  EXPECT_FALSE(ConsumesQuota(*T("r", false, true, S::kRunning)->config));
}

TEST(QuotaTest, BucketsCountActiveTasksOfTheRole) {
  std::map<std::string, std::shared_ptr<const model::Task>> tasks = {
      {"1", T("r", true, false, S::kRunning)},
      {"2", T("r", true, false, S::kPending)},
      {"3", T("r", true, false, S::kFinished)},  // terminal: not counted
      {"4", T("r", false, false, S::kRunning, R(500, 50, 5))},
      {"5", T("r", true, true, S::kThrottled, R(2000, 200, 20))},
      {"6", T("r", false, true, S::kAssigned, R(3000, 300, 30))},
      {"7", T("other", true, false, S::kRunning)},  // another role
  };
  const QuotaConsumption c = ComputeConsumption("r", tasks);
  EXPECT_EQ(c.prod_shared, R(2000, 200, 20));
  EXPECT_EQ(c.nonprod_shared, R(500, 50, 5));
  EXPECT_EQ(c.prod_dedicated, R(2000, 200, 20));
  EXPECT_EQ(c.nonprod_dedicated, R(3000, 300, 30));
}

TEST(QuotaTest, CheckTable) {
  struct Case {
    model::Resources quota, consumed, requested;
    bool ok;
  };
  const std::vector<Case> cases = {
      {R(4000, 400, 40), R(0, 0, 0), R(4000, 400, 40), true},   // exactly fits
      {R(4000, 400, 40), R(1000, 0, 0), R(3001, 0, 0), false},  // cpu over by 1 milli
      {R(4000, 400, 40), R(0, 0, 0), R(0, 401, 0), false},
      {R(4000, 400, 40), R(0, 0, 40), R(0, 0, 1), false},
      {R(0, 0, 0), R(0, 0, 0), R(1, 1, 1), false},  // no quota: zero
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CheckQuota("r", c.quota, c.consumed, c.requested).ok(), c.ok)
        << FormatQuota(c.quota) << " / " << FormatQuota(c.consumed) << " / "
        << FormatQuota(c.requested);
  }
}

TEST(QuotaTest, RefusalNamesResourceAndNumbers) {
  absl::Status s = CheckQuota("www-data", R(2000, 1024, 1024), R(1000, 512, 0), R(1500, 256, 10));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "Insufficient resource quota for role 'www-data': numCpus: requested 1.500 + "
            "consumed 1.000 > quota 2.000");
}

TEST(QuotaTest, SetQuotaRules) {
  EXPECT_TRUE(ValidateNewQuota("r", R(0, 0, 0), R(0, 0, 0)).ok());
  EXPECT_TRUE(ValidateNewQuota("r", R(2000, 100, 10), R(2000, 100, 10)).ok());
  absl::Status negative = ValidateNewQuota("r", R(1000, -1, 0), R(0, 0, 0));
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(negative.message(), "quota for role 'r': ramMb is negative (-1)");
  absl::Status below = ValidateNewQuota("r", R(1000, 100, 10), R(2000, 0, 0));
  EXPECT_EQ(below.message(),
            "quota for role 'r': numCpus 1.000 is less than the current production "
            "consumption 2.000");
}

TEST(QuotaTest, Format) {
  EXPECT_EQ(FormatQuota(R(1500, 2048, 4096)), "cpus=1.500 ramMb=2048 diskMb=4096");
}

}  // namespace
}  // namespace borealis::core
