// .aurora files: the embedded loader's JSON through the C++ job reader.
#include "borealis/pyconfig/aurora.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_split.h"
#include "borealis/pyconfig/interpreter.h"

namespace borealis::pyconfig {

absl::StatusOr<std::string> EvaluateAuroraFile(const std::string& path,
                                               const std::vector<std::string>& binds,
                                               const std::string& job_key) {
  return CallLoader("evaluate", path, binds, job_key);
}

namespace {

absl::StatusOr<std::vector<std::string>> ListJobs(const char* function, const std::string& path,
                                                  const std::vector<std::string>& binds) {
  absl::StatusOr<std::string> text = CallLoader(function, path, binds, "");
  if (!text.ok()) return text.status();
  if (text->empty()) return std::vector<std::string>();
  return std::vector<std::string>(absl::StrSplit(*text, '\n'));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ListAuroraJobs(const std::string& path,
                                                        const std::vector<std::string>& binds) {
  return ListJobs("list_jobs", path, binds);
}

absl::StatusOr<std::vector<std::string>> ListJsonJobs(const std::string& path,
                                                      const std::vector<std::string>& binds) {
  return ListJobs("list_json_jobs", path, binds);
}

absl::StatusOr<std::vector<config::JobSpec>> LoadAuroraJobs(const std::string& path,
                                                            const std::vector<std::string>& binds,
                                                            const std::string& job_key) {
  absl::StatusOr<std::string> text = EvaluateAuroraFile(path, binds, job_key);
  if (!text.ok()) return text.status();
  if (!job_key.empty()) {
    nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object() && doc.contains("jobs") && doc.at("jobs").is_array() &&
        doc.at("jobs").empty()) {
      return std::vector<config::JobSpec>();
    }
  }
  return config::ParseJobsJson(*text, path);
}

}  // namespace borealis::pyconfig
