// Job-level template resolution over a job's JSON, Pystachio style: a reference is
// looked up in the innermost enclosing object that has its first name, then followed
// through `.field` and `[key]`/`[index]` parts; the value found is itself resolved in
// its own scope, and a string is resolved again until it no longer changes. So
// `{{name}}` in a process cmdline is the process name, `{{role}}` the job's role, and
// the Task name default `{{processes[0].name}}` works. Machine-bound references
// (template.h IsRuntimeRef) are left in place; {{thermos.user}}, {{mesos.role}} and
// {{mesos.cluster}} are read as {{role}} and {{cluster}}, as Aurora's client does.
// Escapes `{{&x}}` are kept for the executor to unescape. Pure; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace borealis::config {

// Resolves every string inside `job` in place. An unbound reference is an error
// "<path>.<field>: unbound template '{{x}}'" unless keep_unbound, which leaves it.
absl::Status InterpolateJob(nlohmann::json& job, const std::string& path, bool keep_unbound);

}  // namespace borealis::config
