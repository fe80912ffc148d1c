// .aurora configuration files (docs/aurora-compatibility.md): evaluated by an embedded CPython
// 3.11 with
// the schema modules compiled into the binary (src/borealis/config/aurora/*.py), then read
// by the same C++ reader as JSON job files (config/job_spec.h).
//
// The interpreter starts once, lazily, on the first call, isolated: no user site, no
// PYTHON* environment variables, no site-packages; only the standard library and the
// embedded modules. Calls are serialized on the GIL, so any thread may call.
//
// Errors are InvalidArgument with "FILE:LINE: field.path: message" (the line or the field
// path left out when unknown); a broken interpreter is Internal.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/config/job_spec.h"

namespace borealis::pyconfig {

// Runs `path` and returns {"jobs": [...]}: each job's fully-defaulted, interpolated JSON
// (Pystachio field names, machine-bound templates left in place). `binds` are --bind
// values, "name=value" (dotted names allowed: profile.instances=3). With a `job_key`
// ("cluster/role/env/name") only that job is checked and returned, as Aurora's client
// checks only the selected job; "jobs" is empty when the file has no such job.
absl::StatusOr<std::string> EvaluateAuroraFile(const std::string& path,
                                               const std::vector<std::string>& binds,
                                               const std::string& job_key = "");

// The jobs `path` defines as "cluster/role/env/name", in file order, as `aurora config
// list` reads them: the file is only run and the jobs bound, nothing is checked, and a
// template nothing binds stays in the key as written ("c/r/{{profile.env}}/n").
absl::StatusOr<std::vector<std::string>> ListAuroraJobs(const std::string& path,
                                                        const std::vector<std::string>& binds);

// The same for a JSON job file (--read-json: a Job object or {"jobs": [...]}).
absl::StatusOr<std::vector<std::string>> ListJsonJobs(const std::string& path,
                                                      const std::vector<std::string>& binds);

// EvaluateAuroraFile, then config::ParseJobsJson (errors name `path`). With a `job_key`
// and no such job, an empty list.
absl::StatusOr<std::vector<config::JobSpec>> LoadAuroraJobs(const std::string& path,
                                                            const std::vector<std::string>& binds,
                                                            const std::string& job_key = "");

}  // namespace borealis::pyconfig
