#include "borealis/cli/quota_commands.h"

#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_key.h"

namespace borealis::cli {
namespace {

absl::Status BadParameter(std::string message) {
  return WithExitCode(absl::InvalidArgumentError(std::move(message)), kExitInvalidParameter);
}

struct Totals {
  double cpus = 0;
  int64_t ram_mb = 0;
  int64_t disk_mb = 0;
};

Totals Sum(const api::ResourceAggregate& aggregate) {
  Totals t;
  for (const api::Resource& r : aggregate.resources) {
    if (r.__isset.numCpus) t.cpus += r.numCpus;
    if (r.__isset.ramMb) t.ram_mb += r.ramMb;
    if (r.__isset.diskMb) t.disk_mb += r.diskMb;
  }
  return t;
}

// The buckets in Aurora's order, with the headings `quota get` prints.
std::vector<std::pair<std::string, const api::ResourceAggregate*>> Buckets(
    const api::GetQuotaResult& r) {
  std::vector<std::pair<std::string, const api::ResourceAggregate*>> out;
  out.emplace_back("Allocated", &r.quota);
  if (r.__isset.prodSharedConsumption) {
    out.emplace_back("Production shared pool resources consumed", &r.prodSharedConsumption);
  }
  if (r.__isset.prodDedicatedConsumption) {
    out.emplace_back("Production dedicated pool resources consumed", &r.prodDedicatedConsumption);
  }
  if (r.__isset.nonProdSharedConsumption) {
    out.emplace_back("Non-production shared pool resources consumed",
                     &r.nonProdSharedConsumption);
  }
  if (r.__isset.nonProdDedicatedConsumption) {
    out.emplace_back("Non-production dedicated pool resources consumed",
                     &r.nonProdDedicatedConsumption);
  }
  return out;
}

}  // namespace

absl::StatusOr<int64_t> ParseSizeMb(const std::string& text, const std::string& field) {
  std::string s = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  size_t split = 0;
  while (split < s.size() && (std::isdigit(static_cast<unsigned char>(s[split])) || s[split] == '.')) {
    ++split;
  }
  const std::string number = s.substr(0, split);
  std::string unit = s.substr(split);
  if (unit.size() == 2 && unit[1] == 'B') unit = unit.substr(0, 1);  // "GB" → "G"
  double value = 0;
  if (number.empty() || !absl::SimpleAtod(number, &value) || !std::isfinite(value)) {
    return BadParameter(absl::StrCat(field, ": '", text, "' is not a size (e.g. 4GB, 512MB)"));
  }
  double mb = 0;
  if (unit.empty() || unit == "M") {
    mb = value;
  } else if (unit == "G") {
    mb = value * 1024;
  } else if (unit == "T") {
    mb = value * 1024 * 1024;
  } else if (unit == "K") {
    mb = value / 1024;
  } else if (unit == "B") {
    mb = value / (1024 * 1024);
  } else {
    return BadParameter(absl::StrCat(field, ": unknown unit in '", text,
                                     "' (use B, KB, MB, GB or TB)"));
  }
  if (mb > 1e15) return BadParameter(absl::StrCat(field, ": '", text, "' is too large"));
  return static_cast<int64_t>(std::ceil(mb - 1e-9));
}

absl::StatusOr<int64_t> ParseMilliCpus(const std::string& text) {
  double cpus = 0;
  const std::string s(absl::StripAsciiWhitespace(text));
  if (!s.empty() && s[0] == '-') {
    return BadParameter(absl::StrCat("cpu: '", text, "' must not be negative"));
  }
  if (s.empty() || !absl::SimpleAtod(s, &cpus) || !std::isfinite(cpus) ||
      cpus > 1e9) {
    return BadParameter(absl::StrCat("cpu: '", text, "' is not a number of CPUs"));
  }
  const double milli = cpus * 1000;
  if (std::fabs(milli - std::round(milli)) > 1e-6) {
    return BadParameter(absl::StrCat("cpu: '", text, "' has more than 3 decimals"));
  }
  return static_cast<int64_t>(std::llround(milli));
}

std::string FormatQuota(const api::GetQuotaResult& result) {
  std::string out;
  for (const auto& [heading, aggregate] : Buckets(result)) {
    const Totals t = Sum(*aggregate);
    absl::StrAppend(&out, heading, ":\n");
    absl::StrAppendFormat(&out, "  CPU: %g\n", t.cpus);
    absl::StrAppendFormat(&out, "  RAM: %.6f GB\n", static_cast<double>(t.ram_mb) / 1024);
    absl::StrAppendFormat(&out, "  Disk: %.6f GB\n", static_cast<double>(t.disk_mb) / 1024);
  }
  return out;
}

std::string QuotaJson(const api::GetQuotaResult& result) {
  auto bucket = [](const api::ResourceAggregate& a) {
    const Totals t = Sum(a);
    return nlohmann::json{{"numCpus", t.cpus}, {"ramMb", t.ram_mb}, {"diskMb", t.disk_mb}};
  };
  nlohmann::json j;
  j["quota"] = bucket(result.quota);
  if (result.__isset.prodSharedConsumption) {
    j["prodSharedConsumption"] = bucket(result.prodSharedConsumption);
  }
  if (result.__isset.nonProdSharedConsumption) {
    j["nonProdSharedConsumption"] = bucket(result.nonProdSharedConsumption);
  }
  if (result.__isset.prodDedicatedConsumption) {
    j["prodDedicatedConsumption"] = bucket(result.prodDedicatedConsumption);
  }
  if (result.__isset.nonProdDedicatedConsumption) {
    j["nonProdDedicatedConsumption"] = bucket(result.nonProdDedicatedConsumption);
  }
  return j.dump();
}

absl::Status QuotaGet(CliContext& ctx, const QuotaGetOptions& options) {
  std::vector<std::string> parts = absl::StrSplit(options.spec, '/');
  if (parts.size() != 2 || parts[0].empty() || !IsGoodIdentifier(parts[1])) {
    return BadParameter(absl::StrCat("'", options.spec, "' is not CLUSTER/ROLE"));
  }
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, parts[0]));
  ASSIGN_OR_RETURN(api::GetQuotaResult result, client.GetQuota(parts[1]));
  if (options.write_json) {
    ctx.out << QuotaJson(result) << std::endl;
  } else {
    ctx.out << FormatQuota(result);
  }
  return absl::OkStatus();
}

absl::Status AdminSetQuota(CliContext& ctx, const SetQuotaOptions& options) {
  if (!IsGoodIdentifier(options.role)) {
    return BadParameter(absl::StrCat("role: '", options.role, "' is not a valid identifier"));
  }
  ASSIGN_OR_RETURN(int64_t milli_cpus, ParseMilliCpus(options.cpus));
  ASSIGN_OR_RETURN(int64_t ram_mb, ParseSizeMb(options.ram, "ram"));
  ASSIGN_OR_RETURN(int64_t disk_mb, ParseSizeMb(options.disk, "disk"));
  api::ResourceAggregate quota;
  api::Resource cpus, ram, disk;
  cpus.__set_numCpus(static_cast<double>(milli_cpus) / 1000);
  ram.__set_ramMb(ram_mb);
  disk.__set_diskMb(disk_mb);
  quota.resources = {cpus, ram, disk};
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, options.cluster));
  RETURN_IF_ERROR(client.SetQuota(options.role, quota).status());
  ctx.out << "Quota of role " << options.role << " set to "
          << absl::StrFormat("cpus=%g ram=%dMB disk=%dMB", static_cast<double>(milli_cpus) / 1000,
                             ram_mb, disk_mb)
          << std::endl;
  return absl::OkStatus();
}

}  // namespace borealis::cli
