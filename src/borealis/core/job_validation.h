// What a job must be for the scheduler to accept it (createJob, and what addInstances
// adds): identifiers, the environment pattern, instance count, resources, container and
// the key. Messages name the field, as Aurora's API does (docs/aurora-compatibility.md).
//
// Pure. Thread contract: a JobValidator is immutable after construction; any thread.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "borealis/model/job_configuration.h"

namespace borealis::core {

// Whether `value` is a good identifier for a role, environment or job name: letters,
// digits, '_', '-' and '.', at least one. A plain scan: no pattern engine runs on input.
bool IsGoodIdentifier(std::string_view value);

struct JobLimits {
  int32_t max_instances_per_job = 4000;
  // Environments accepted (ECMAScript regex, whole match).
  std::string environment_pattern = R"(^(prod|devel|test|staging\d*)$)";
};

class JobValidator {
 public:
  explicit JobValidator(JobLimits limits);

  // OK, or InvalidArgument / Unimplemented naming the first field that is wrong.
  absl::Status Validate(const model::JobConfiguration& job) const;

 private:
  JobLimits limits_;
  std::regex environment_re_;  // limits_.environment_pattern, compiled once
};

}  // namespace borealis::core
