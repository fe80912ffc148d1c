// `quota get` prints what Aurora's client prints: "Allocated:" and each consumption bucket,
// one "  NAME: VALUE UNIT" line per resource in Aurora's display order, and with
// --write-json the GetQuotaResult as Thrift's simple JSON (field names, compact).
#include "borealis/cli/quota_commands.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <system_error>
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

// Aurora's resource types in its display order, with the names and units its client prints.
struct ResourceKind {
  int position;
  const char* name;  // "CPU"
  const char* unit;  // " core(s)"
};

ResourceKind KindOf(const api::Resource& r) {
  if (r.__isset.numCpus) return {1, "CPU", " core(s)"};
  if (r.__isset.ramMb) return {2, "RAM", " MB"};
  if (r.__isset.diskMb) return {3, "Disk", " MB"};
  if (r.__isset.namedPort) return {4, "Port", ""};
  if (r.__isset.numGpus) return {5, "GPU", " GPU(s)"};
  return {6, "Unknown", ""};
}

// The aggregate's resources in display order (stable: equal kinds keep their set order).
std::vector<const api::Resource*> Ordered(const api::ResourceAggregate& aggregate) {
  std::vector<const api::Resource*> out;
  for (const api::Resource& r : aggregate.resources) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const api::Resource* a, const api::Resource* b) {
    return KindOf(*a).position < KindOf(*b).position;
  });
  return out;
}

std::string ValueText(const api::Resource& r) {
  if (r.__isset.numCpus) return PythonFloat(r.numCpus);
  if (r.__isset.ramMb) return absl::StrCat(r.ramMb);
  if (r.__isset.diskMb) return absl::StrCat(r.diskMb);
  if (r.__isset.namedPort) return r.namedPort;
  if (r.__isset.numGpus) return absl::StrCat(r.numGpus);
  return "";
}

nlohmann::ordered_json ResourceJson(const api::Resource& r) {
  if (r.__isset.numCpus) return {{"numCpus", r.numCpus}};
  if (r.__isset.ramMb) return {{"ramMb", r.ramMb}};
  if (r.__isset.diskMb) return {{"diskMb", r.diskMb}};
  if (r.__isset.namedPort) return {{"namedPort", r.namedPort}};
  if (r.__isset.numGpus) return {{"numGpus", r.numGpus}};
  return nlohmann::ordered_json::object();
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

std::string PythonFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // The shortest digits that read back as `value`, then Python's choice of notation.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  if (ec != std::errc()) return absl::StrCat(value);
  const std::string text(buf, end);  // "-1.25e+02"
  const size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  int exponent = 0;
  if (!absl::SimpleAtoi(text.substr(e + 1), &exponent)) return text;
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) absl::StrAppend(&out, ".", digits.substr(1));
    return absl::StrCat(out, absl::StrFormat("e%c%02d", exponent < 0 ? '-' : '+',
                                             exponent < 0 ? -exponent : exponent));
  }
  if (exponent < 0) return absl::StrCat(sign, "0.", std::string(-exponent - 1, '0'), digits);
  const size_t int_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= int_digits) {
    return absl::StrCat(sign, digits, std::string(int_digits - digits.size(), '0'), ".0");
  }
  return absl::StrCat(sign, digits.substr(0, int_digits), ".", digits.substr(int_digits));
}

std::string FormatQuota(const api::GetQuotaResult& result) {
  std::string out;
  for (const auto& [heading, aggregate] : Buckets(result)) {
    absl::StrAppend(&out, heading, ":\n");
    for (const api::Resource* r : Ordered(*aggregate)) {
      const ResourceKind kind = KindOf(*r);
      absl::StrAppend(&out, "  ", kind.name, ": ", ValueText(*r), kind.unit, "\n");
    }
  }
  return out;
}

std::string QuotaJson(const api::GetQuotaResult& result) {
  auto aggregate = [](const api::ResourceAggregate& a) {
    nlohmann::ordered_json resources = nlohmann::ordered_json::array();
    for (const api::Resource* r : Ordered(a)) resources.push_back(ResourceJson(*r));
    return nlohmann::ordered_json{{"resources", std::move(resources)}};
  };
  // GetQuotaResult's fields in id order, the optional ones only when set.
  nlohmann::ordered_json j;
  j["quota"] = aggregate(result.quota);
  if (result.__isset.prodSharedConsumption) {
    j["prodSharedConsumption"] = aggregate(result.prodSharedConsumption);
  }
  if (result.__isset.nonProdSharedConsumption) {
    j["nonProdSharedConsumption"] = aggregate(result.nonProdSharedConsumption);
  }
  if (result.__isset.prodDedicatedConsumption) {
    j["prodDedicatedConsumption"] = aggregate(result.prodDedicatedConsumption);
  }
  if (result.__isset.nonProdDedicatedConsumption) {
    j["nonProdDedicatedConsumption"] = aggregate(result.nonProdDedicatedConsumption);
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
