// `task scp` (see task_commands.h): files to, from and between task sandboxes through
// their agents, Aurora's argument form `[CLUSTER/ROLE/ENV/NAME/INSTANCE:]PATH`.
#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/cli/exec_client.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/job_key.h"
#include "borealis/cli/task_commands.h"

namespace borealis::cli {
namespace {

// One argument: a local path, or a path in one instance's sandbox.
struct ScpPath {
  std::optional<GrantedTask> task;  // nullopt: local
  std::string path;
  std::string text;  // as typed
};

absl::StatusOr<ScpPath> ParseScpPath(CliContext& ctx, const std::string& text) {
  ScpPath out;
  out.text = text;
  const size_t colon = text.find(':');
  if (colon == std::string::npos) {
    out.path = text;
    return out;
  }
  ASSIGN_OR_RETURN(InstanceSpec spec, ParseInstanceSpec(text.substr(0, colon)));
  if (!spec.instances.has_value() || spec.instances->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': name one instance, CLUSTER/ROLE/ENV/NAME/INSTANCE:PATH"));
  }
  out.path = text.substr(colon + 1);
  while (absl::StartsWith(out.path, "./")) out.path.erase(0, 2);
  if (out.path == ".") out.path.clear();
  if (out.path == "~" || absl::StartsWith(out.path, "~/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("Command does not support tilde expansion for path: ", out.path));
  }
  if (absl::StartsWith(out.path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "': absolute paths are not supported; paths are relative to the sandbox"));
  }
  ASSIGN_OR_RETURN(std::vector<GrantedTask> tasks, RequestGrants(ctx, spec, "scp"));
  if (tasks.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("Job or instance ", spec.key.ToString(), "/",
                                                   *spec.instances->begin(), " not found"));
  }
  out.task = tasks.front();
  return out;
}

std::string BaseName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

absl::StatusOr<std::string> ReadLocal(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "': not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  if (!in.good() && !in.eof()) return absl::InternalError(absl::StrCat("cannot read '", path, "'"));
  return data.str();
}

absl::Status WriteLocal(const std::string& dest, const std::string& source_name,
                        const std::string& data) {
  struct stat st {};
  std::string path = dest;
  if (::stat(dest.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) path = dest + "/" + source_name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write '", path, "'"));
  return absl::OkStatus();
}

}  // namespace

absl::Status TaskScp(CliContext& ctx, const TaskScpOptions& options) {
  if (options.paths.size() < 2) {
    return WithExitCode(absl::InvalidArgumentError("task scp: SRC ... DEST"), kExitInvalidCommand);
  }
  if (!options.scp_options.empty()) {
    return WithExitCode(absl::UnimplementedError("--scp-options is not supported yet: files are "
                                                 "copied through the agent"),
                        kExitInvalidParameter);
  }
  ASSIGN_OR_RETURN(ScpPath dest, ParseScpPath(ctx, options.paths.back()));
  std::vector<ScpPath> sources;
  for (size_t i = 0; i + 1 < options.paths.size(); ++i) {
    ASSIGN_OR_RETURN(ScpPath source, ParseScpPath(ctx, options.paths[i]));
    if (!source.task.has_value() && !dest.task.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", source.text, "' and '", dest.text, "' are both local"));
    }
    sources.push_back(std::move(source));
  }
  for (const ScpPath& source : sources) {
    std::string data;
    if (source.task.has_value()) {
      ASSIGN_OR_RETURN(data, ReadSandboxFile(*source.task, source.path, options.executor_sandbox));
    } else {
      ASSIGN_OR_RETURN(data, ReadLocal(source.path));
    }
    const std::string name = BaseName(source.path);
    if (dest.task.has_value()) {
      // Into a directory (an existing one, or a path ending in '/'): under the source's name.
      std::string path = dest.path;
      while (absl::EndsWith(path, "/")) path.pop_back();
      RETURN_IF_ERROR(
          WriteSandboxFile(*dest.task, path, name, data, options.executor_sandbox));
    } else {
      RETURN_IF_ERROR(WriteLocal(dest.path, name, data));
    }
  }
  return absl::OkStatus();
}

}  // namespace borealis::cli
