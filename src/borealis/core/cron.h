// Cron schedules and the cron decisions (docs/aurora-compatibility.md, "Cron jobs").
//
// ParseCronSchedule reads a 5-field crontab expression the way Aurora accepts it: minute
// (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN..DEC) and day of week (0-6,
// 0 = Sunday, or SUN..SAT; 7 is refused). Each field is a comma list of `*`, `N`, `A-B`,
// `*/S` and `A-B/S` (S > 0, and for a range S < B). Names are case-insensitive. A schedule
// that restricts both the day of month and the day of week is refused, and so are macros
// such as `@hourly`.
//
// NextFire gives the first instant after `after` whose wall-clock time in `zone` matches.
// A matching wall time that a daylight-saving change skips fires when the clocks say it
// would have been (02:30 on a spring-forward day fires at 03:30 local); a wall time that
// occurs twice (fall-back) fires once, at its first occurrence.
//
// CronCollision decides what a run does when the job still has active tasks.
//
// Pure: values in, values out; the caller loads the time zone. Thread contract: stateless.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "borealis/model/job_configuration.h"

namespace borealis::core {

// The instants a schedule matches, as one bit per allowed value of each field.
struct CronSchedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bit 0 unused
  std::bitset<13> months;         // bit 0 unused
  std::bitset<7> days_of_week;    // 0 = Sunday

  bool operator==(const CronSchedule&) const = default;
};

// The schedule `expression` describes, or INVALID_ARGUMENT naming the field (minute, hour,
// dayOfMonth, month, dayOfWeek) and what is wrong with it.
absl::StatusOr<CronSchedule> ParseCronSchedule(std::string_view expression);

// The first instant strictly after `after` that `schedule` matches in `zone`, to the
// minute; nothing when no date within the next 28 years matches (e.g. February 30th).
std::optional<absl::Time> NextFire(const CronSchedule& schedule, absl::Time after,
                                   absl::TimeZone zone);

// What a cron run does.
enum class CronAction {
  kLaunch,             // no active tasks: insert the run's PENDING tasks now
  kKillThenLaunch,     // kill the active tasks, launch once all are terminal
  kSkip,               // leave the active tasks, skip this run
};

// The collision decision: KILL_EXISTING kills and relaunches; CANCEL_NEW skips; a stored
// RUN_OVERLAP (no longer accepted) skips as CANCEL_NEW does.
CronAction CronCollision(model::CronCollisionPolicy policy, int64_t active_tasks);

// What a production cron template counts against its role's quota beyond its job's active
// tasks (`running`, their cpu, ram and disk): per resource, max(template x instances,
// running) - running. Aurora counts a cron job as the larger of the two.
model::Resources CronQuotaExtra(const model::JobConfiguration& job,
                                const model::Resources& running);

// The message a refused collision policy gets, or nothing when it may be stored.
std::optional<std::string> RefusedCronPolicy(model::CronCollisionPolicy policy);

}  // namespace borealis::core
