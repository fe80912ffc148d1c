#include "borealis/core/quota.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "borealis/model/constraint.h"
#include "borealis/model/schedule_status.h"

namespace borealis::core {

bool IsDedicated(const model::TaskConfig& config) { return model::IsDedicatedConfig(config); }

bool ConsumesQuota(const model::TaskConfig& config) {
  return config.production && !IsDedicated(config);
}

void AddToConsumption(const model::Task& task, QuotaConsumption& consumption) {
  if (!task.config || !model::IsActive(task.status)) return;
  model::AddConfigToConsumption(*task.config, 1, consumption);
}

std::string FormatQuota(const model::Resources& r) {
  return absl::StrFormat("cpus=%.3f ramMb=%d diskMb=%d", static_cast<double>(r.milli_cpus) / 1000,
                         r.ram_mb, r.disk_mb);
}

namespace {

struct Dimension {
  const char* name;
  int64_t model::Resources::*field;
  bool cpu;
};
constexpr Dimension kDimensions[] = {{"numCpus", &model::Resources::milli_cpus, true},
                                     {"ramMb", &model::Resources::ram_mb, false},
                                     {"diskMb", &model::Resources::disk_mb, false}};

std::string Amount(const Dimension& d, int64_t v) {
  return d.cpu ? absl::StrFormat("%.3f", static_cast<double>(v) / 1000) : absl::StrCat(v);
}

}  // namespace

absl::Status CheckQuota(const std::string& role, const model::Resources& quota,
                        const model::Resources& prod_shared, const model::Resources& requested) {
  std::vector<std::string> short_of;
  for (const Dimension& d : kDimensions) {
    const int64_t need = prod_shared.*d.field + requested.*d.field;
    if (need > quota.*d.field) {
      short_of.push_back(absl::StrCat(d.name, ": requested ", Amount(d, requested.*d.field),
                                      " + consumed ", Amount(d, prod_shared.*d.field), " > quota ",
                                      Amount(d, quota.*d.field)));
    }
  }
  if (short_of.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("Insufficient resource quota for role '", role,
                                                    "': ", absl::StrJoin(short_of, "; ")));
}

absl::Status ValidateNewQuota(const std::string& role, const model::Resources& quota,
                              const model::Resources& prod_shared) {
  for (const Dimension& d : kDimensions) {
    if (quota.*d.field < 0) {
      return absl::InvalidArgumentError(absl::StrCat("quota for role '", role, "': ", d.name,
                                                     " is negative (", Amount(d, quota.*d.field),
                                                     ")"));
    }
  }
  for (const Dimension& d : kDimensions) {
    if (quota.*d.field < prod_shared.*d.field) {
      return absl::InvalidArgumentError(absl::StrCat(
          "quota for role '", role, "': ", d.name, " ", Amount(d, quota.*d.field),
          " is less than the current production consumption ", Amount(d, prod_shared.*d.field)));
    }
  }
  return absl::OkStatus();
}

}  // namespace borealis::core
