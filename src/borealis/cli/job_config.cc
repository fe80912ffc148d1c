// Configuration files for the job verbs (see job_config.h) and job selection by key.
#include "borealis/cli/job_config.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/base/status.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/files.h"
#include "borealis/cli/job_commands.h"
#include "borealis/config/conversion.h"
#include "borealis/pyconfig/aurora.h"

namespace borealis::cli {
namespace {

absl::Status ConfigError(std::string message) {
  return WithExitCode(absl::InvalidArgumentError(std::move(message)), kExitInvalidConfig);
}

std::string Candidates(const std::vector<config::JobSpec>& jobs) {
  std::vector<std::string> keys;
  for (const config::JobSpec& j : jobs) keys.push_back(SpecKey(j));
  return keys.empty() ? "it defines no jobs" : "it defines: " + absl::StrJoin(keys, ", ");
}

absl::StatusOr<std::vector<config::JobSpec>> LoadAurora(const ConfigFileOptions& options,
                                                        const std::string& job_key) {
  auto jobs = pyconfig::LoadAuroraJobs(options.file, options.binds, job_key);
  if (!jobs.ok()) {
    if (jobs.status().code() != absl::StatusCode::kInvalidArgument) return jobs.status();
    return ConfigError(std::string(jobs.status().message()));
  }
  return jobs;
}

}  // namespace

std::string SpecKey(const config::JobSpec& job) {
  return absl::StrCat(job.cluster, "/", job.role, "/", job.environment, "/", job.name);
}

std::string CurrentUser() {
  if (struct passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

absl::StatusOr<std::vector<config::JobSpec>> LoadConfigJobs(const ConfigFileOptions& options) {
  if (options.read_json) {
    if (!options.binds.empty()) {
      return ConfigError(absl::StrCat(options.file,
                                      ": --bind is not supported yet with --read-json; "
                                      "it applies to .aurora files"));
    }
    auto text = ReadFile(options.file);
    if (!text.ok()) return ConfigError(std::string(text.status().message()));
    auto jobs = config::ParseJobsJson(*text, options.file);
    if (!jobs.ok()) return ConfigError(std::string(jobs.status().message()));
    return jobs;
  }
  return LoadAurora(options, "");
}

absl::StatusOr<config::JobSpec> LoadConfigJob(const ConfigFileOptions& options,
                                              const ClusterJobKey& key) {
  if (!options.read_json) {
    // Only the selected job is checked, as Aurora's client does.
    ASSIGN_OR_RETURN(std::vector<config::JobSpec> jobs, LoadAurora(options, key.ToString()));
    if (jobs.size() == 1) return std::move(jobs[0]);
    if (jobs.empty()) {
      auto keys = pyconfig::ListAuroraJobs(options.file, options.binds);
      if (!keys.ok()) return ConfigError(std::string(keys.status().message()));
      return ConfigError(absl::StrCat(
          "no job ", key.ToString(), " in ", options.file, "; ",
          keys->empty() ? "it defines no jobs" : "it defines: " + absl::StrJoin(*keys, ", ")));
    }
  }
  ASSIGN_OR_RETURN(std::vector<config::JobSpec> jobs, LoadConfigJobs(options));
  ASSIGN_OR_RETURN(size_t index, SelectJob(jobs, key, options.file));
  return std::move(jobs[index]);
}

absl::StatusOr<model::JobConfiguration> ToModelJob(const config::JobSpec& spec,
                                                   const std::string& file) {
  auto job = config::ToJobConfiguration(spec, CurrentUser());
  if (!job.ok()) return ConfigError(absl::StrCat(file, ": ", job.status().message()));
  return job;
}

absl::StatusOr<size_t> SelectJob(const std::vector<config::JobSpec>& jobs,
                                 const ClusterJobKey& key, const std::string& file) {
  std::vector<size_t> by_name;
  std::vector<size_t> exact;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].name != key.job.name) continue;
    by_name.push_back(i);
    if (jobs[i].role == key.job.role && jobs[i].environment == key.job.environment &&
        jobs[i].cluster == key.cluster) {
      exact.push_back(i);
    }
  }
  if (exact.size() == 1) return exact[0];
  if (exact.size() > 1) {
    return ConfigError(absl::StrCat(file, ": ", exact.size(), " jobs are ", key.ToString(),
                                    "; a job key must name exactly one job"));
  }
  if (by_name.empty()) {
    return ConfigError(absl::StrCat("no job named '", key.job.name, "' in ", file, "; ",
                                    Candidates(jobs)));
  }
  if (by_name.size() == 1) {
    const config::JobSpec& j = jobs[by_name[0]];
    return ConfigError(absl::StrCat("job key ", key.ToString(), " does not match job '", j.name,
                                    "' in ", file, ", which is ", SpecKey(j),
                                    " (cluster, role and environment must match)"));
  }
  return ConfigError(absl::StrCat("no job '", key.job.name, "' in ", file, " is ",
                                  key.ToString(), "; ", Candidates(jobs)));
}

}  // namespace borealis::cli
