// The `quota get` and `admin set-quota` commands (docs/aurora-compatibility.md), plus the pure
// pieces
// they are built from: amount parsing with units as aurora_admin accepts them, and the
// text and JSON renderings of getQuota's answer.
//
// Exit codes: bad arguments kExitInvalidParameter, API failures kExitApiError.
// Thread contract: commands run on the caller's thread and block.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"
#include "gen-cpp/api_types.h"

namespace borealis::cli {

struct QuotaGetOptions {
  std::string spec;  // CLUSTER/ROLE
  bool write_json = false;
};

struct SetQuotaOptions {
  std::string cluster;
  std::string role;
  std::string cpus;  // "4", "2.5"
  std::string ram;   // "4GB", "512MB", "1024" (MB)
  std::string disk;
};

absl::Status QuotaGet(CliContext& ctx, const QuotaGetOptions& options);
absl::Status AdminSetQuota(CliContext& ctx, const SetQuotaOptions& options);

// --- pure pieces --------------------------------------------------------------------------

// A size in MiB from "4GB", "512MB", "1.5G", "2048K", "1T", "300" (no unit: MiB); units are
// binary (1 GB = 1024 MB) and case-insensitive; B/K/KB round up to whole MiB. Negative or
// malformed: InvalidArgument naming `field` (kExitInvalidParameter).
absl::StatusOr<int64_t> ParseSizeMb(const std::string& text, const std::string& field);

// CPUs in milli-cpus from "4", "0.5" (at most 3 decimals).
absl::StatusOr<int64_t> ParseMilliCpus(const std::string& text);

// Aurora's text layout: "Allocated:" then each consumption bucket the scheduler sent,
// each with one line per resource in Aurora's display order (CPU, RAM, Disk, Port, GPU):
//   Allocated:
//     CPU: 4.0 core(s)
//     RAM: 8192 MB
//     Disk: 51200 MB
//   Production shared pool resources consumed:
//     ...
std::string FormatQuota(const api::GetQuotaResult& result);
// What Aurora's client writes for --write-json: the GetQuotaResult in Thrift's simple JSON,
// compact, fields in id order, each aggregate {"resources": [{"numCpus": 4.0}, {"ramMb":
// 8192}, {"diskMb": 51200}]} (resources in display order).
std::string QuotaJson(const api::GetQuotaResult& result);

// `value` as Python's repr() writes a float ("4.0", "0.5", "1e+16"): how Aurora's client
// prints CPUs.
std::string PythonFloat(double value);

}  // namespace borealis::cli
