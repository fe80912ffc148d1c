// `job open CLUSTER[/ROLE[/ENV[/JOB]]]` (docs/aurora-compatibility.md, "job open"): prints
// the scheduler's web page for a cluster, role, environment or job and, when a display
// is present, hands it to xdg-open. The URL is built as Aurora's client builds it:
// "scheduler" joined onto the cluster's proxy_url (or scheduler_uri) with URL-join
// rules, then "/role", "/env", "/job". A missing browser never fails the command.
// Thread contract: the command runs on the caller's thread and blocks only to spawn.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/cli/context.h"

namespace borealis::cli {

// How to open a URL: only when a display is present and xdg-open is found.
struct BrowserLauncher {
  bool display = false;   // DISPLAY or WAYLAND_DISPLAY is set and not empty
  std::string xdg_open;   // absolute path of xdg-open ("" when not on PATH)

  // Reads DISPLAY, WAYLAND_DISPLAY and PATH.
  static BrowserLauncher FromEnvironment();
};

struct JobOpenOptions {
  std::string spec;  // CLUSTER[/ROLE[/ENV[/JOB]]]
  std::optional<BrowserLauncher> browser;  // nullopt: FromEnvironment()
};

absl::Status JobOpen(CliContext& ctx, const JobOpenOptions& options);

// Adds `open` to the `job` noun; choosing it sets `action`.
void AddOpenVerb(CLI::App* job, CliContext& ctx, JobOpenOptions& options,
                 std::function<absl::Status()>& action);

// What the links a command prints start with, "<base>/scheduler/...": the cluster's
// proxy_url (joined as SchedulerPageUrl joins it) when clusters.json gives one, else
// `scheduler_uri`. As Aurora's client, every printed link goes through the proxy.
std::string LinkBaseFor(const CliContext& ctx, const std::string& cluster,
                        const std::string& scheduler_uri);

// --- pure pieces --------------------------------------------------------------------------

// `relative` resolved against `base` as a browser (and Python's urljoin) resolves a bare
// relative path: it replaces what follows the base path's last '/', and a base with no
// path gets "/". "http://h:1" + "scheduler" = "http://h:1/scheduler";
// "http://p/aurora/" -> "http://p/aurora/scheduler"; "http://p/aurora" -> "http://p/scheduler".
std::string UrlJoin(const std::string& base, const std::string& relative);

// Aurora's scheduler page URL. Empty parts are absent; an env without a role, or a job
// without both, is InvalidArgument (as Aurora refuses it).
absl::StatusOr<std::string> SchedulerPageUrl(const std::string& base, const std::string& role,
                                             const std::string& env, const std::string& job);

}  // namespace borealis::cli
