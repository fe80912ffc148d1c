#include "borealis/core/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace borealis::core {

namespace {

// One field of the expression: its name in errors, its bounds and its value names.
struct FieldSpec {
  const char* name;
  int lo;
  int hi;
  std::vector<std::pair<std::string, std::string>> names;  // "JAN" → "1"
};

const std::array<FieldSpec, 5>& Fields() {
  static const auto* fields = new std::array<FieldSpec, 5>{
      FieldSpec{"minute", 0, 59, {}},
      FieldSpec{"hour", 0, 23, {}},
      FieldSpec{"dayOfMonth", 1, 31, {}},
      FieldSpec{"month",
                1,
                12,
                {{"JAN", "1"}, {"FEB", "2"}, {"MAR", "3"}, {"APR", "4"}, {"MAY", "5"},
                 {"JUN", "6"}, {"JUL", "7"}, {"AUG", "8"}, {"SEP", "9"}, {"OCT", "10"},
                 {"NOV", "11"}, {"DEC", "12"}}},
      FieldSpec{"dayOfWeek",
                0,
                6,
                {{"SUN", "0"}, {"MON", "1"}, {"TUE", "2"}, {"WED", "3"}, {"THU", "4"},
                 {"FRI", "5"}, {"SAT", "6"}}},
  };
  return *fields;
}

absl::Status FieldError(const FieldSpec& f, absl::string_view component, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("cron schedule field ", f.name, ": '", component, "' ", why));
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A number of `f` (digits only), or an error naming the component.
absl::StatusOr<int> Number(const FieldSpec& f, absl::string_view component, absl::string_view s) {
  int value = 0;
  if (!AllDigits(s) || !absl::SimpleAtoi(s, &value)) {
    return FieldError(f, component, "does not match any known pattern (*, N, A-B, */S, A-B/S)");
  }
  return value;
}

absl::Status InBounds(const FieldSpec& f, absl::string_view component, int value) {
  if (value < f.lo || value > f.hi) {
    return FieldError(f, component,
                      absl::StrCat("is out of range: ", value, " is not in ", f.lo, "-", f.hi));
  }
  return absl::OkStatus();
}

// Adds the values `component` (names already replaced) allows to `bits` (indexed by value).
absl::Status ParseComponent(const FieldSpec& f, absl::string_view raw, absl::string_view component,
                            std::vector<bool>* bits) {
  absl::string_view range = component;
  std::optional<int> skip;
  if (size_t slash = component.find('/'); slash != absl::string_view::npos) {
    range = component.substr(0, slash);
    auto s = Number(f, raw, component.substr(slash + 1));
    if (!s.ok()) return s.status();
    if (*s <= 0) return FieldError(f, raw, "has a step that is not greater than 0");
    skip = *s;
  }
  int lo = f.lo;
  int hi = f.hi;
  if (range != "*") {
    std::vector<absl::string_view> ends = absl::StrSplit(range, absl::MaxSplits('-', 1));
    auto a = Number(f, raw, ends[0]);
    if (!a.ok()) return a.status();
    lo = hi = *a;
    if (ends.size() == 2) {
      auto b = Number(f, raw, ends[1]);
      if (!b.ok()) return b.status();
      hi = *b;
    } else if (skip) {
      return FieldError(f, raw, "does not match any known pattern (*, N, A-B, */S, A-B/S)");
    }
    if (lo > hi) return FieldError(f, raw, absl::StrCat("is an empty range: ", lo, " > ", hi));
    if (auto s = InBounds(f, raw, lo); !s.ok()) return s;
    if (auto s = InBounds(f, raw, hi); !s.ok()) return s;
    if (skip && *skip >= hi) {
      return FieldError(f, raw, absl::StrCat("has a step ", *skip, " not smaller than ", hi));
    }
  }
  for (int v = lo; v <= hi; v += skip.value_or(1)) (*bits)[v] = true;
  return absl::OkStatus();
}

// The values field `f` allows, indexed by value; whether all of them are allowed in `all`.
absl::StatusOr<std::vector<bool>> ParseField(const FieldSpec& f, absl::string_view raw,
                                             bool* all) {
  std::vector<bool> bits(f.hi + 1, false);
  bool any = false;
  for (absl::string_view component : absl::StrSplit(raw, ',', absl::SkipEmpty())) {
    std::string upper = absl::AsciiStrToUpper(component);
    if (!f.names.empty()) upper = absl::StrReplaceAll(upper, f.names);
    if (auto s = ParseComponent(f, component, upper, &bits); !s.ok()) return s;
    any = true;
  }
  if (!any) return FieldError(f, raw, "has no value");
  *all = true;
  for (int v = f.lo; v <= f.hi; ++v) *all = *all && bits[v];
  return bits;
}

template <size_t N>
std::bitset<N> ToBits(const std::vector<bool>& v) {
  std::bitset<N> out;
  for (size_t i = 0; i < v.size() && i < N; ++i) out[i] = v[i];
  return out;
}

int Weekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::sunday: return 0;
    case absl::Weekday::monday: return 1;
    case absl::Weekday::tuesday: return 2;
    case absl::Weekday::wednesday: return 3;
    case absl::Weekday::thursday: return 4;
    case absl::Weekday::friday: return 5;
    case absl::Weekday::saturday: return 6;
  }
  return 0;
}

}  // namespace

absl::StatusOr<CronSchedule> ParseCronSchedule(std::string_view expression_in) {
  const absl::string_view expression(expression_in.data(), expression_in.size());
  if (!expression.empty() && expression[0] == '@') {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron schedule '", expression, "': macros such as @hourly are not supported; give "
        "5 fields (minute hour dayOfMonth month dayOfWeek)"));
  }
  std::vector<absl::string_view> raw =
      absl::StrSplit(expression, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  const bool padded = !expression.empty() &&
                      (absl::ascii_isspace(static_cast<unsigned char>(expression.front())) ||
                       absl::ascii_isspace(static_cast<unsigned char>(expression.back())));
  if (raw.size() != 5 || padded) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron schedule '", expression, "' must be 5 fields (minute hour dayOfMonth month "
        "dayOfWeek) separated by spaces, with nothing around them"));
  }
  std::array<std::vector<bool>, 5> bits;
  std::array<bool, 5> all{};
  for (size_t i = 0; i < 5; ++i) {
    auto field = ParseField(Fields()[i], raw[i], &all[i]);
    if (!field.ok()) return field.status();
    bits[i] = std::move(*field);
  }
  if (!all[2] && !all[4]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron schedule '", expression, "': specifying both dayOfMonth and dayOfWeek is not "
        "supported"));
  }
  CronSchedule s;
  s.minutes = ToBits<60>(bits[0]);
  s.hours = ToBits<24>(bits[1]);
  s.days_of_month = ToBits<32>(bits[2]);
  s.months = ToBits<13>(bits[3]);
  s.days_of_week = ToBits<7>(bits[4]);
  return s;
}

std::optional<absl::Time> NextFire(const CronSchedule& schedule, absl::Time after,
                                   absl::TimeZone zone) {
  // Walk wall-clock minutes from the one after `after`'s, day by day: a day of the wrong
  // month or day is skipped whole. A minute whose instant is not after `after` (the
  // repeated hour of a fall-back) is passed over, so no wall time fires twice.
  const absl::CivilMinute start = absl::ToCivilMinute(after, zone) + 1;
  const absl::CivilDay first_day(start);
  constexpr int kMaxDays = 28 * 366;  // the calendar repeats every 28 years (1901-2099)
  for (int d = 0; d < kMaxDays; ++d) {
    const absl::CivilDay day = first_day + d;
    if (!schedule.months[day.month()] || !schedule.days_of_month[day.day()] ||
        !schedule.days_of_week[Weekday(day)]) {
      continue;
    }
    for (int h = (d == 0 ? start.hour() : 0); h < 24; ++h) {
      if (!schedule.hours[h]) continue;
      const int m0 = (d == 0 && h == start.hour()) ? start.minute() : 0;
      for (int m = m0; m < 60; ++m) {
        if (!schedule.minutes[m]) continue;
        const absl::CivilMinute wall(day.year(), day.month(), day.day(), h, m);
        const absl::Time t = zone.At(wall).pre;
        if (t > after) return t;
      }
    }
  }
  return std::nullopt;
}

CronAction CronCollision(model::CronCollisionPolicy policy, int64_t active_tasks) {
  if (active_tasks <= 0) return CronAction::kLaunch;
  switch (policy) {
    case model::CronCollisionPolicy::kKillExisting:
      return CronAction::kKillThenLaunch;
    case model::CronCollisionPolicy::kCancelNew:
    case model::CronCollisionPolicy::kRunOverlap:
      return CronAction::kSkip;
  }
  return CronAction::kSkip;
}

model::Resources CronQuotaExtra(const model::JobConfiguration& job,
                                const model::Resources& running) {
  auto extra = [&](int64_t per_task, int64_t used) {
    return std::max<int64_t>(0, per_task * job.instance_count - used);
  };
  model::Resources out;
  out.milli_cpus = extra(job.task.resources.milli_cpus, running.milli_cpus);
  out.ram_mb = extra(job.task.resources.ram_mb, running.ram_mb);
  out.disk_mb = extra(job.task.resources.disk_mb, running.disk_mb);
  return out;
}

std::optional<std::string> RefusedCronPolicy(model::CronCollisionPolicy policy) {
  if (policy == model::CronCollisionPolicy::kRunOverlap) {
    return "The RUN_OVERLAP collision policy has been removed";
  }
  return std::nullopt;
}

}  // namespace borealis::core
