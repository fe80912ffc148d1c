// Scoped resolution of job-level templates (see job_templates.h).
#include "borealis/config/job_templates.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/config/schema.h"
#include "borealis/config/template.h"

namespace borealis::config {
namespace {

using nlohmann::json;

// Pystachio gives up after this many nested or repeated substitutions.
constexpr int kMaxDepth = 100;

using Scopes = std::vector<const json*>;

class JobInterpolator {
 public:
  explicit JobInterpolator(bool keep_unbound) : keep_unbound_(keep_unbound) {}

  // Resolves the string `text` that lives in the innermost object of `scopes`.
  absl::StatusOr<std::string> ResolveString(const std::string& text, const Scopes& scopes,
                                            int depth) const {
    if (depth > kMaxDepth) {
      return absl::InvalidArgumentError(
          absl::StrCat("templates nest too deeply (a reference to itself?) in '", text, "'"));
    }
    std::string current = text;
    for (int i = 0; i < kMaxDepth; ++i) {
      RefResolver resolver = [&](const Ref& ref) { return Lookup(ref, scopes, depth); };
      ASSIGN_OR_RETURN(std::string next, Interpolate(current, resolver, /*keep_escapes=*/true));
      if (next == current) return current;
      current = std::move(next);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("templates do not settle after ", kMaxDepth, " rounds in '", text, "'"));
  }

  // Walks `src`, writing resolved strings into `dst` (same shape).
  absl::Status Walk(const json& src, json& dst, Scopes& scopes, const std::string& path) const {
    if (src.is_string()) {
      auto resolved = ResolveString(src.get<std::string>(), scopes, 0);
      if (!resolved.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path.empty() ? "job" : path, ": ", resolved.status().message()));
      }
      dst = *std::move(resolved);
    } else if (src.is_array()) {
      for (size_t i = 0; i < src.size(); ++i) {
        RETURN_IF_ERROR(Walk(src[i], dst[i], scopes, absl::StrCat(path, "[", i, "]")));
      }
    } else if (src.is_object()) {
      scopes.push_back(&src);
      for (const auto& [key, value] : src.items()) {
        absl::Status s = Walk(value, dst[key], scopes, FieldPath(path, key));
        if (!s.ok()) {
          scopes.pop_back();
          return s;
        }
      }
      scopes.pop_back();
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<std::optional<std::string>> Unbound(const Ref& ref) const {
    if (keep_unbound_) return std::optional<std::string>();
    return absl::InvalidArgumentError(absl::StrCat("unbound template '{{", ref.text, "}}'"));
  }

  absl::StatusOr<std::optional<std::string>> Lookup(const Ref& ref, const Scopes& scopes,
                                                    int depth) const {
    if (IsRuntimeRef(ref)) return std::optional<std::string>();
    std::vector<RefPart> parts = ref.parts;
    if (parts.size() == 2 && !parts[1].is_index &&
        ((parts[0].name == "thermos" && parts[1].name == "user") ||
         (parts[0].name == "mesos" && parts[1].name == "role"))) {
      parts = {RefPart{"role", false}};
    } else if (parts.size() == 2 && parts[0].name == "mesos" && parts[1].name == "cluster") {
      parts = {RefPart{"cluster", false}};
    }
    // The innermost scope that has the first name.
    int found = -1;
    for (int i = static_cast<int>(scopes.size()) - 1; i >= 0 && found < 0; --i) {
      if (scopes[i]->is_object() && scopes[i]->contains(parts[0].name)) found = i;
    }
    if (found < 0) return Unbound(ref);
    Scopes inner(scopes.begin(), scopes.begin() + found + 1);
    const json* node = &(*scopes[found])[parts[0].name];
    for (size_t i = 1; i < parts.size(); ++i) {
      if (node->is_object()) {
        inner.push_back(node);
        auto it = node->find(parts[i].name);
        if (it == node->end()) return Unbound(ref);
        node = &*it;
      } else if (node->is_array() && parts[i].is_index) {
        size_t index = 0;
        if (!absl::SimpleAtoi(parts[i].name, &index) || index >= node->size()) return Unbound(ref);
        node = &(*node)[index];
      } else {
        return Unbound(ref);
      }
    }
    if (node->is_string()) {
      ASSIGN_OR_RETURN(std::string value, ResolveString(node->get<std::string>(), inner, depth + 1));
      return std::optional<std::string>(std::move(value));
    }
    if (node->is_number() || node->is_boolean()) return std::optional<std::string>(node->dump());
    return absl::InvalidArgumentError(
        absl::StrCat("template '{{", ref.text, "}}' names a struct or list, not a value"));
  }

  bool keep_unbound_;
};

}  // namespace

absl::Status InterpolateJob(json& job, const std::string& path, bool keep_unbound) {
  const json source = job;
  Scopes scopes;
  return JobInterpolator(keep_unbound).Walk(source, job, scopes, path);
}

}  // namespace borealis::config
