#include "borealis/core/cron.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace borealis::core {
namespace {

using model::CronCollisionPolicy;

CronSchedule Parse(std::string_view expression) {
  auto s = ParseCronSchedule(expression);
  EXPECT_TRUE(s.ok()) << expression << ": " << s.status();
  return s.ok() ? *s : CronSchedule{};
}

std::string Bits(const auto& bits) {
  std::string out;
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out += (out.empty() ? "" : ",") + std::to_string(i);
  }
  return out;
}

TEST(CronParse, AcceptsAurorasSyntax) {
  struct Case {
    const char* expression;
    const char* minutes;
    const char* hours;
    const char* days;
    const char* months;
    const char* weekdays;
  };
  const std::string all_days = Bits(Parse("* * * * *").days_of_month);
  const std::string all_weekdays = "0,1,2,3,4,5,6";
  const Case cases[] = {
      {"5 4 * * *", "5", "4", nullptr, nullptr, nullptr},
      {"0,15,30 1-3 * * *", "0,15,30", "1,2,3", nullptr, nullptr, nullptr},
      {"*/20 */6 * * *", "0,20,40", "0,6,12,18", nullptr, nullptr, nullptr},
      {"10-30/10 1-23/11 * * *", "10,20,30", "1,12,23", nullptr, nullptr, nullptr},
      {"0 0 1,15 * *", "0", "0", "1,15", nullptr, nullptr},
      {"0 0 * JAN,jun-Aug *", "0", "0", nullptr, "1,6,7,8", nullptr},
      {"0 0 * * MON-FRI", "0", "0", nullptr, nullptr, "1,2,3,4,5"},
      {"0 0 * * sun,6", "0", "0", nullptr, nullptr, "0,6"},
      {"0 0 * 2-FEB,12 *", "0", "0", nullptr, "2,12", nullptr},
      {"59 23 31 12 *", "59", "23", "31", "12", nullptr},
      {"0 0 1-31 * 1", "0", "0", nullptr, nullptr, "1"},  // 1-31 is every day
      {"0 0 5 * 0-6", "0", "0", "5", nullptr, nullptr},   // 0-6 is every weekday
      {"0 0 * * 1,,2", "0", "0", nullptr, nullptr, "1,2"},  // empty items are skipped
      {"0\t0  * * *", "0", "0", nullptr, nullptr, nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expression);
    const CronSchedule s = Parse(c.expression);
    EXPECT_EQ(Bits(s.minutes), c.minutes);
    EXPECT_EQ(Bits(s.hours), c.hours);
    EXPECT_EQ(Bits(s.days_of_month), c.days ? c.days : all_days);
    if (c.months) {
      EXPECT_EQ(Bits(s.months), c.months);
    }
    EXPECT_EQ(Bits(s.days_of_week), c.weekdays ? c.weekdays : all_weekdays);
  }
  EXPECT_EQ(all_days.substr(0, 6), "1,2,3,");
  EXPECT_EQ(Bits(Parse("* * * * *").months), "1,2,3,4,5,6,7,8,9,10,11,12");
}

TEST(CronParse, RefusesWhatAuroraRefuses) {
  struct Case {
    const char* expression;
    const char* message;  // a part of the error
  };
  const Case cases[] = {
      {"", "must be 5 fields"},
      {"* * * *", "must be 5 fields"},
      {"* * * * * *", "must be 5 fields"},
      {" * * * * *", "must be 5 fields"},
      {"@hourly", "macros such as @hourly are not supported"},
      {"@daily", "macros"},
      {"60 * * * *", "field minute: '60' is out of range: 60 is not in 0-59"},
      {"* 24 * * *", "field hour: '24' is out of range"},
      {"* * 0 * *", "field dayOfMonth: '0' is out of range"},
      {"* * 32 * *", "field dayOfMonth: '32' is out of range"},
      {"* * * 13 *", "field month: '13' is out of range"},
      {"* * * 0 *", "field month: '0' is out of range"},
      {"* * * * 7", "field dayOfWeek: '7' is out of range"},
      {"* * * * SUN-7", "field dayOfWeek"},
      {"5-1 * * * *", "field minute: '5-1' is an empty range: 5 > 1"},
      {"*/0 * * * *", "field minute: '*/0' has a step that is not greater than 0"},
      {"0-30/30 * * * *", "field minute: '0-30/30' has a step 30 not smaller than 30"},
      {"0-30/45 * * * *", "not smaller than 30"},
      {"5/2 * * * *", "field minute: '5/2' does not match any known pattern"},
      {"a * * * *", "field minute: 'a' does not match"},
      {"-1 * * * *", "field minute: '-1' does not match"},
      {"1- * * * *", "field minute: '1-' does not match"},
      {"* * * * MON-", "field dayOfWeek: 'MON-' does not match"},
      {"* * * MON *", "field month: 'MON' does not match"},
      {"* * * * JAN", "field dayOfWeek: 'JAN' does not match"},
      {"*/ * * * *", "does not match"},
      {", * * * *", "field minute: ',' has no value"},
      {"0 0 15 * MON", "specifying both dayOfMonth and dayOfWeek is not supported"},
      {"0 0 1-30 * 0-5", "both dayOfMonth and dayOfWeek"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expression);
    auto s = ParseCronSchedule(c.expression);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(c.message), std::string_view::npos) << s.status();
  }
}

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

// A wall-clock time: year, month, day, hour, minute, second.
struct Wall {
  int y, mo, d, h, mi, s;
};

std::string Fire(std::string_view expression, Wall w, absl::TimeZone zone) {
  const absl::CivilSecond after(w.y, w.mo, w.d, w.h, w.mi, w.s);
  auto t = NextFire(Parse(expression), absl::FromCivil(after, zone), zone);
  if (!t) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", *t, zone);
}

TEST(CronNextFire, UtcAndMonthEnds) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  struct Case {
    const char* expression;
    Wall after;
    const char* next;
  };
  const Case cases[] = {
      {"* * * * *", {2026, 1, 1, 0, 0, 0}, "2026-01-01 00:01 UTC"},
      {"* * * * *", {2026, 1, 1, 0, 0, 30}, "2026-01-01 00:01 UTC"},  // strictly after
      {"*/15 * * * *", {2026, 1, 1, 0, 15, 0}, "2026-01-01 00:30 UTC"},
      {"0 0 * * *", {2026, 12, 31, 23, 59, 0}, "2027-01-01 00:00 UTC"},
      {"30 2 * * *", {2026, 3, 5, 2, 30, 0}, "2026-03-06 02:30 UTC"},
      // the 31st in a 30-day month: the next month that has one
      {"0 0 31 * *", {2026, 4, 1, 0, 0, 0}, "2026-05-31 00:00 UTC"},
      {"0 0 31 * *", {2026, 5, 31, 0, 0, 0}, "2026-07-31 00:00 UTC"},
      {"0 12 30 * *", {2026, 2, 1, 0, 0, 0}, "2026-03-30 12:00 UTC"},
      // February 29th: only in leap years
      {"0 0 29 2 *", {2026, 3, 1, 0, 0, 0}, "2028-02-29 00:00 UTC"},
      {"0 0 29 2 *", {2024, 1, 1, 0, 0, 0}, "2024-02-29 00:00 UTC"},
      {"0 0 29 * *", {2027, 2, 1, 0, 0, 0}, "2027-03-29 00:00 UTC"},
      {"0 0 29 * *", {2028, 2, 1, 0, 0, 0}, "2028-02-29 00:00 UTC"},
      {"0 0 * FEB *", {2028, 2, 28, 12, 0, 0}, "2028-02-29 00:00 UTC"},
      {"0 0 * FEB *", {2027, 2, 28, 12, 0, 0}, "2028-02-01 00:00 UTC"},
      {"0 0 30 2 *", {2026, 1, 1, 0, 0, 0}, "never"},
      // days of the week (2026-12-05 is a Saturday)
      {"0 9 * * MON", {2026, 12, 5, 0, 0, 0}, "2026-12-07 09:00 UTC"},
      {"0 9 * * SAT", {2026, 12, 5, 9, 0, 0}, "2026-12-12 09:00 UTC"},
      {"0 9 * * SAT", {2026, 12, 5, 8, 59, 59}, "2026-12-05 09:00 UTC"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expression);
    EXPECT_EQ(Fire(c.expression, c.after, utc), c.next);
  }
}

TEST(CronNextFire, SpringForwardFiresWhenTheSkippedTimeWouldHaveBeen) {
  // 2026-03-08 in New York: 02:00 EST becomes 03:00 EDT.
  const absl::TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(Fire("30 2 * * *", {2026, 3, 7, 3, 0, 0}, ny), "2026-03-08 03:30 EDT");
  EXPECT_EQ(Fire("30 2 * * *", {2026, 3, 8, 3, 30, 0}, ny), "2026-03-09 02:30 EDT");
  EXPECT_EQ(Fire("30 1 * * *", {2026, 3, 7, 3, 0, 0}, ny), "2026-03-08 01:30 EST");
  EXPECT_EQ(Fire("30 3 * * *", {2026, 3, 8, 0, 0, 0}, ny), "2026-03-08 03:30 EDT");
  // Every minute: the gap is one fire, then the clock goes on.
  EXPECT_EQ(Fire("* * * * *", {2026, 3, 8, 1, 59, 0}, ny), "2026-03-08 03:00 EDT");
  const absl::Time three = absl::FromCivil(absl::CivilSecond(2026, 3, 8, 3, 0, 0), ny);
  auto next = NextFire(Parse("* * * * *"), three, ny);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next - three, absl::Minutes(1));
}

TEST(CronNextFire, FallBackFiresOnce) {
  // 2026-11-01 in New York: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
  const absl::TimeZone ny = Zone("America/New_York");
  const CronSchedule s = Parse("30 1 * * *");
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 11, 1, 0, 0, 0), ny);
  std::vector<std::string> fires;
  for (int i = 0; i < 3; ++i) {
    auto next = NextFire(s, t, ny);
    ASSERT_TRUE(next);
    fires.push_back(absl::FormatTime("%Y-%m-%d %H:%M %Z", *next, ny));
    t = *next;
  }
  EXPECT_EQ(fires, (std::vector<std::string>{"2026-11-01 01:30 EDT", "2026-11-02 01:30 EST",
                                             "2026-11-03 01:30 EST"}));
  // Asked from inside the repeated hour (after the first 01:30), it waits for the next day.
  const absl::Time second_hour = absl::FromCivil(absl::CivilSecond(2026, 11, 1, 6, 10, 0),
                                                 absl::UTCTimeZone());  // 01:10 EST
  auto next = NextFire(s, second_hour, ny);
  ASSERT_TRUE(next);
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M %Z", *next, ny), "2026-11-02 01:30 EST");
  // A time zone other than the scheduler's: the same schedule, another instant.
  EXPECT_EQ(Fire("0 9 * * *", {2026, 6, 1, 0, 0, 0}, Zone("Europe/Berlin")),
            "2026-06-01 09:00 CEST");
}

TEST(CronCollisionTest, DecidesByPolicyAndActiveTasks) {
  struct Case {
    CronCollisionPolicy policy;
    int64_t active;
    CronAction action;
  };
  const Case cases[] = {
      {CronCollisionPolicy::kKillExisting, 0, CronAction::kLaunch},
      {CronCollisionPolicy::kCancelNew, 0, CronAction::kLaunch},
      {CronCollisionPolicy::kRunOverlap, 0, CronAction::kLaunch},
      {CronCollisionPolicy::kKillExisting, 3, CronAction::kKillThenLaunch},
      {CronCollisionPolicy::kCancelNew, 1, CronAction::kSkip},
      {CronCollisionPolicy::kRunOverlap, 2, CronAction::kSkip},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CronCollision(c.policy, c.active), c.action)
        << static_cast<int>(c.policy) << " " << c.active;
  }
  EXPECT_EQ(RefusedCronPolicy(CronCollisionPolicy::kRunOverlap),
            "The RUN_OVERLAP collision policy has been removed");
  EXPECT_FALSE(RefusedCronPolicy(CronCollisionPolicy::kKillExisting));
  EXPECT_FALSE(RefusedCronPolicy(CronCollisionPolicy::kCancelNew));
}

TEST(CronQuota, CountsTheLargerOfTemplateAndRunningTasks) {
  model::JobConfiguration job;
  job.instance_count = 3;
  job.task.resources = {1000, 512, 100, 0, {}};
  const model::Resources nothing_runs{};
  const model::Resources extra = CronQuotaExtra(job, nothing_runs);
  EXPECT_EQ(extra.milli_cpus, 3000);
  EXPECT_EQ(extra.ram_mb, 1536);
  EXPECT_EQ(extra.disk_mb, 300);
  const model::Resources running{2000, 2048, 100, 0, {}};  // an older, larger run
  const model::Resources more = CronQuotaExtra(job, running);
  EXPECT_EQ(more.milli_cpus, 1000);
  EXPECT_EQ(more.ram_mb, 0);
  EXPECT_EQ(more.disk_mb, 200);
}

}  // namespace
}  // namespace borealis::core
