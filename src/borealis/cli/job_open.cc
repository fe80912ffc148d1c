// `job open` (see job_open.h).
#include "borealis/cli/job_open.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "borealis/base/status.h"
#include "borealis/cli/clusters.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/process.h"

namespace borealis::cli {
namespace {

bool NonEmptyEnv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace

BrowserLauncher BrowserLauncher::FromEnvironment() {
  BrowserLauncher b;
  b.display = NonEmptyEnv("DISPLAY") || NonEmptyEnv("WAYLAND_DISPLAY");
  b.xdg_open = FindOnPath("xdg-open");
  return b;
}

std::string UrlJoin(const std::string& base, const std::string& relative) {
  size_t scheme = base.find("://");
  size_t path_start = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path_start == std::string::npos) return absl::StrCat(base, "/", relative);
  return absl::StrCat(base.substr(0, base.rfind('/') + 1), relative);
}

absl::StatusOr<std::string> SchedulerPageUrl(const std::string& base, const std::string& role,
                                             const std::string& env, const std::string& job) {
  if (!env.empty() && role.empty()) {
    return absl::InvalidArgumentError("an environment needs a role: CLUSTER/ROLE/ENV");
  }
  if (!job.empty() && (role.empty() || env.empty())) {
    return absl::InvalidArgumentError("a job needs a role and an environment: "
                                      "CLUSTER/ROLE/ENV/JOB");
  }
  std::string url = UrlJoin(base, "scheduler");
  for (const std::string* part : {&role, &env, &job}) {
    if (part->empty()) break;
    absl::StrAppend(&url, "/", *part);
  }
  return url;
}

std::string LinkBaseFor(const CliContext& ctx, const std::string& cluster,
                        const std::string& scheduler_uri) {
  auto config = FindCluster(ctx.clusters, cluster);
  if (!config.ok() || config->proxy_url.empty()) return scheduler_uri;
  std::string joined = UrlJoin(config->proxy_url, "scheduler");
  return joined.substr(0, joined.size() - std::string_view("/scheduler").size());
}

absl::Status JobOpen(CliContext& ctx, const JobOpenOptions& options) {
  std::vector<std::string> parts = absl::StrSplit(options.spec, '/');
  if (parts.size() > 4 || parts[0].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", options.spec, "' is not CLUSTER[/ROLE[/ENV[/JOB]]]"));
  }
  parts.resize(4);
  // An unknown cluster, or one with no usable URL, is a configuration error (exit 3).
  auto cluster = FindCluster(ctx.clusters, parts[0]);
  absl::StatusOr<std::string> base = cluster.ok() ? WebUrl(*cluster) : cluster.status();
  if (!base.ok()) return WithExitCode(base.status(), kExitInvalidConfig);
  ASSIGN_OR_RETURN(std::string url, SchedulerPageUrl(*base, parts[1], parts[2], parts[3]));
  ctx.out << url << std::endl;
  const BrowserLauncher browser = options.browser.value_or(BrowserLauncher::FromEnvironment());
  if (!browser.display || browser.xdg_open.empty()) return absl::OkStatus();
  // The browser outlives this command; its output would only clutter the terminal.
  auto spawned = SpawnDetached({browser.xdg_open, {url}, "/dev/null"});
  if (!spawned.ok()) {
    ctx.err << "note: could not start " << browser.xdg_open << ": " << spawned.status().message()
            << std::endl;
  }
  return absl::OkStatus();
}

void AddOpenVerb(CLI::App* job, CliContext& ctx, JobOpenOptions& options,
                 std::function<absl::Status()>& action) {
  CLI::App* open = job->add_subcommand(
      "open", "Print the scheduler's web page of a cluster, role, environment or job, and "
              "open it in a browser when a display is present");
  open->add_option("key", options.spec, "CLUSTER[/ROLE[/ENV[/JOB]]]")->required();
  open->callback([&] { action = [&] { return JobOpen(ctx, options); }; });
}

}  // namespace borealis::cli
