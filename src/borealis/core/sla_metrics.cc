#include "borealis/core/sla_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace borealis::core {

namespace {

using model::ScheduleStatus;
using Tasks = std::vector<const model::Task*>;

// An instance's platform state between two of its events.
enum class SlaState { kRemoved, kDown, kUp };

// The upper bounds of small .. xlarge per resource (xxlarge is above the last).
struct Buckets {
  const char* resource;
  int64_t bounds[4];
};
constexpr Buckets kBuckets[] = {
    {"cpu", {1000, 4000, 8000, 16000}},        // milli-cpus: 1, 4, 8, 16 cpus
    {"ram", {1024, 8192, 16384, 32768}},       // MiB: 1, 8, 16, 32 GiB
    {"disk", {4096, 16384, 32768, 65536}},     // MiB: 4, 16, 32, 64 GiB
};
constexpr const char* kBucketNames[] = {"small", "medium", "large", "xlarge", "xxlarge"};

int BucketIndex(const Buckets& b, int64_t value) {
  int i = 0;
  while (i < 4 && value > b.bounds[i]) ++i;
  return i;
}

int64_t ResourceOf(const model::Task& t, const std::string& resource) {
  const model::Resources& r = t.config->resources;
  if (resource == "cpu") return r.milli_cpus;
  if (resource == "ram") return r.ram_mb;
  return r.disk_mb;
}

// The state an event moves an instance to (Aurora's platform uptime rules).
SlaState Next(SlaState current, ScheduleStatus status) {
  switch (status) {
    case ScheduleStatus::kLost:
    case ScheduleStatus::kDraining:
    case ScheduleStatus::kPreempting:
      return SlaState::kDown;
    case ScheduleStatus::kPending:
    case ScheduleStatus::kAssigned:
    case ScheduleStatus::kStarting:
      return current == SlaState::kDown ? SlaState::kDown : SlaState::kRemoved;
    case ScheduleStatus::kThrottled:
    case ScheduleStatus::kFinished:
    case ScheduleStatus::kRestarting:
    case ScheduleStatus::kFailed:
    case ScheduleStatus::kKilling:
      return SlaState::kRemoved;
    case ScheduleStatus::kRunning:
    case ScheduleStatus::kPartitioned:
      return SlaState::kUp;
    case ScheduleStatus::kKilled:
      return current == SlaState::kUp ? SlaState::kDown : current;
    default:
      return current;  // INIT
  }
}

int64_t Overlap(int64_t a_from, int64_t a_to, int64_t b_from, int64_t b_to) {
  return std::max<int64_t>(0, std::min(a_to, b_to) - std::max(a_from, b_from));
}

// Adds the instance's up time and its counted time over [from, to) to the totals.
void AddInstance(std::vector<const model::TaskEvent*> events, int64_t from, int64_t to,
                 int64_t* up_total, int64_t* counted_total) {
  std::stable_sort(events.begin(), events.end(),
                   [](const model::TaskEvent* a, const model::TaskEvent* b) {
                     return a->timestamp_ms < b->timestamp_ms;
                   });
  int64_t up = to - from;
  int64_t counted = to - from;
  SlaState state = SlaState::kRemoved;
  int64_t since = 0;
  auto close = [&](int64_t end) {
    const int64_t overlap = Overlap(since, end, from, to);
    if (state == SlaState::kRemoved) {
      up -= overlap;
      counted -= overlap;
    } else if (state == SlaState::kDown) {
      up -= overlap;
    }
  };
  for (const model::TaskEvent* e : events) {
    const SlaState next = Next(state, e->status);
    if (next == state) continue;
    close(e->timestamp_ms);
    state = next;
    since = e->timestamp_ms;
  }
  close(INT64_MAX);
  *up_total += up;
  *counted_total += counted;
}

std::string JobUptimeName(int percentile) { return absl::StrCat("job_uptime_", percentile, "_00_sec"); }

struct Group {
  std::string group;
  std::string key;
  Tasks tasks;
};

// The groups of an algorithm family: by job and the cluster, plus size buckets for medians.
std::vector<Group> Groups(const Tasks& tasks, bool with_sizes) {
  std::map<std::string, Tasks> jobs;
  for (const model::Task* t : tasks) jobs[t->job().ToString()].push_back(t);
  std::vector<Group> out;
  for (auto& [key, ts] : jobs) out.push_back(Group{"job", key, std::move(ts)});
  if (!tasks.empty()) out.push_back(Group{"cluster", "", tasks});
  if (!with_sizes) return out;
  for (const Buckets& b : kBuckets) {
    std::map<int, Tasks> by_size;
    for (const model::Task* t : tasks) by_size[BucketIndex(b, ResourceOf(*t, b.resource))].push_back(t);
    for (auto& [i, ts] : by_size) out.push_back(Group{b.resource, kBucketNames[i], std::move(ts)});
  }
  return out;
}

void RunCategory(SlaCategory category, const Tasks& tasks, int64_t now, int64_t window,
                 bool non_prod, std::vector<SlaMetric>* out) {
  const int64_t from = now - window;
  auto add = [&](const Group& g, std::string algorithm, double value) {
    out->push_back(SlaMetric{g.group, g.key, std::move(algorithm), non_prod, value});
  };
  switch (category) {
    case SlaCategory::kJobUptimes:
      for (const Group& g : Groups(tasks, false)) {
        if (g.group != "job") continue;
        for (int p : {50, 75, 90, 95, 99}) add(g, JobUptimeName(p), JobUptimeSeconds(g.tasks, p, now));
      }
      break;
    case SlaCategory::kPlatformUptime:
      for (const Group& g : Groups(tasks, false)) {
        add(g, "platform_uptime_percent", PlatformUptimePercent(g.tasks, from, now));
      }
      break;
    case SlaCategory::kMedians:
      for (const Group& g : Groups(tasks, true)) {
        add(g, "mtta_ms", MedianTimeToStatusMs(g.tasks, ScheduleStatus::kAssigned, from, now));
        add(g, "mtts_ms", MedianTimeToStatusMs(g.tasks, ScheduleStatus::kStarting, from, now));
        add(g, "mttr_ms", MedianTimeToStatusMs(g.tasks, ScheduleStatus::kRunning, from, now));
      }
      break;
  }
}

}  // namespace

bool ParseSlaCategory(const std::string& name, SlaCategory* out) {
  if (name == "JOB_UPTIMES") {
    *out = SlaCategory::kJobUptimes;
  } else if (name == "PLATFORM_UPTIME") {
    *out = SlaCategory::kPlatformUptime;
  } else if (name == "MEDIANS") {
    *out = SlaCategory::kMedians;
  } else {
    return false;
  }
  return true;
}

std::string SlaMetric::VarName() const {
  std::string scope;
  if (group == "job") {
    scope = key;
  } else if (group == "cluster") {
    scope = "cluster";
  } else {
    scope = absl::StrCat(group, "_", key);
  }
  return absl::StrCat("sla_", scope, "_", algorithm, non_prod ? "_nonprod" : "");
}

double SlaPercentile(std::vector<int64_t> samples, double percentile) {
  if (samples.empty()) return 0;
  // The index on a scale fine enough for the percentile's decimals (p99.9 → 1 of 1000).
  double scaled = percentile;
  double scale = 100;
  while (scaled - std::floor(scaled) > 0 && scale < 1e9) {
    scale *= 10;
    scaled *= 10;
  }
  const double index = std::floor(scale - scaled);
  std::sort(samples.begin(), samples.end());
  const double position = index * static_cast<double>(samples.size() - 1) / scale;
  const size_t lower = static_cast<size_t>(std::floor(position));
  const double fraction = position - static_cast<double>(lower);
  if (lower + 1 >= samples.size() || fraction == 0) return static_cast<double>(samples[lower]);
  return static_cast<double>(samples[lower]) +
         fraction * static_cast<double>(samples[lower + 1] - samples[lower]);
}

double PlatformUptimePercent(const Tasks& tasks, int64_t from_ms, int64_t to_ms) {
  std::map<std::pair<std::string, int32_t>, std::vector<const model::TaskEvent*>> instances;
  for (const model::Task* t : tasks) {
    auto& events = instances[{t->job().ToString(), t->instance_id}];
    for (const model::TaskEvent& e : t->events) events.push_back(&e);
  }
  int64_t up = 0;
  int64_t counted = 0;
  for (auto& [id, events] : instances) AddInstance(std::move(events), from_ms, to_ms, &up, &counted);
  return counted > 0 ? static_cast<double>(up) * 100 / static_cast<double>(counted) : 100.0;
}

double MedianTimeToStatusMs(const Tasks& tasks, ScheduleStatus status, int64_t from_ms,
                            int64_t to_ms) {
  std::vector<int64_t> waits;
  for (const model::Task* t : tasks) {
    if (!model::IsActive(t->status)) continue;
    int64_t pending_ms = -1;
    for (const model::TaskEvent& e : t->events) {
      if (e.status == ScheduleStatus::kPending) {
        pending_ms = e.timestamp_ms;
      } else if (e.status == status && e.timestamp_ms >= from_ms && e.timestamp_ms < to_ms) {
        if (pending_ms >= 0) waits.push_back(e.timestamp_ms - pending_ms);
        break;
      }
    }
  }
  return SlaPercentile(std::move(waits), 50);
}

double JobUptimeSeconds(const Tasks& tasks, double percentile, int64_t now_ms) {
  std::vector<int64_t> uptimes;
  for (const model::Task* t : tasks) {
    if (t->status == ScheduleStatus::kRunning) uptimes.push_back(now_ms - t->LatestEventMs());
  }
  return SlaPercentile(std::move(uptimes), percentile) / 1000;
}

std::string SizeBucket(const std::string& resource, int64_t value) {
  for (const Buckets& b : kBuckets) {
    if (resource == b.resource) return kBucketNames[BucketIndex(b, value)];
  }
  return "";
}

std::vector<SlaMetric> ComputeSlaMetrics(const Tasks& tasks, int64_t now_ms,
                                         const SlaMetricsOptions& options) {
  Tasks prod;
  Tasks non_prod;
  for (const model::Task* t : tasks) {
    if (!t->config->is_service) continue;
    (t->config->production ? prod : non_prod).push_back(t);
  }
  std::vector<SlaMetric> out;
  for (SlaCategory c : options.prod) RunCategory(c, prod, now_ms, options.window_ms, false, &out);
  for (SlaCategory c : options.non_prod) {
    RunCategory(c, non_prod, now_ms, options.window_ms, true, &out);
  }
  std::sort(out.begin(), out.end(),
            [](const SlaMetric& a, const SlaMetric& b) { return a.VarName() < b.VarName(); });
  return out;
}

}  // namespace borealis::core
