// Reading a job configuration file for the job verbs: a .aurora file (evaluated by the
// embedded Python, pyconfig/aurora.h) or, with --read-json, a JSON job file; selecting the
// job a key names; converting it to the model's JobConfiguration. Every error here is a
// configuration error (kExitInvalidConfig) that names the file. Thread contract: as
// pyconfig (callers block; any thread).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/cli/job_key.h"
#include "borealis/config/job_spec.h"
#include "borealis/model/job_configuration.h"

namespace borealis::cli {

struct ConfigFileOptions {
  std::string file;
  bool read_json = false;
  std::vector<std::string> binds;  // --bind name=value (.aurora files only)
};

// Every job the file defines, defaults filled in.
absl::StatusOr<std::vector<config::JobSpec>> LoadConfigJobs(const ConfigFileOptions& options);

// The one job `key` names in the file (see SelectJob in job_commands.h).
absl::StatusOr<config::JobSpec> LoadConfigJob(const ConfigFileOptions& options,
                                              const ClusterJobKey& key);

// The Thrift-shaped model job Aurora's client would send for `spec` (docs/aurora-compatibility.md),
// owned by the local user.
absl::StatusOr<model::JobConfiguration> ToModelJob(const config::JobSpec& spec,
                                                   const std::string& file);

// "cluster/role/env/name" of a read job.
std::string SpecKey(const config::JobSpec& job);

// The local Unix user (the job owner Aurora's client sends).
std::string CurrentUser();

}  // namespace borealis::cli
