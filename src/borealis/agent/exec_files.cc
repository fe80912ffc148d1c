// ExecServer's file copies, `task scp` (see exec_server.h): GET and PUT /exec/file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/agent/exec_server.h"
#include "borealis/agent/observer_fs.h"
#include "borealis/base/log.h"

namespace borealis::agent {
namespace {

constexpr char kGrantHeader[] = "x-borealis-grant";

net::HttpResponse Refused(const absl::Status& status) {
  int code = 500;
  switch (status.code()) {
    case absl::StatusCode::kPermissionDenied: code = 403; break;
    case absl::StatusCode::kInvalidArgument: code = 400; break;
    case absl::StatusCode::kNotFound: code = 404; break;
    case absl::StatusCode::kResourceExhausted: code = 413; break;
    case absl::StatusCode::kAlreadyExists: code = 409; break;
    default: break;
  }
  return net::HttpResponse::Text(code, absl::StrCat(status.message(), "\n"));
}

// Writes `data` as `name` in the directory `dir_fd`: a new file beside it, then renamed
// over it, so that nothing is ever written through a link the task's processes planted.
absl::Status WriteInto(int dir_fd, const std::string& name, const std::string& data,
                       const std::optional<isolation::UserIdentity>& user) {
  const std::string tmp = absl::StrCat(".", name, ".borealis-scp-", ::getpid());
  int fd = ::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create the file: ", std::strerror(errno)));
  base::UniqueFd file(fd);
  auto fail = [&](const char* what) {
    const std::string why = std::strerror(errno);
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    return absl::InternalError(absl::StrCat(what, ": ", why));
  };
  if (user.has_value() && ::fchown(fd, user->uid, user->gid) != 0) return fail("cannot chown");
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    off += static_cast<size_t>(n);
  }
  if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0) return fail("cannot rename");
  return absl::OkStatus();
}

}  // namespace

net::HttpResponse ExecServer::GetFile(const net::HttpRequest& request) const {
  auto target = Authorize(request.Header(kGrantHeader), "scp");
  if (!target.ok()) return Refused(target.status());
  const std::string root = request.Query("executor_sandbox") == "1" ? target->task_dir
                                                                    : target->sandbox;
  auto root_fd = OpenRoot(root);
  if (!root_fd.ok()) return Refused(root_fd.status());
  auto opened = OpenContained(root_fd->get(), request.Query("path"));
  if (!opened.ok()) return Refused(opened.status());
  if (opened->is_dir) {
    return Refused(absl::InvalidArgumentError(
        absl::StrCat("'", request.Query("path"), "' is a directory (copying directories is not supported yet)")));
  }
  if (opened->size > options_.max_file_bytes) {
    return Refused(absl::ResourceExhaustedError(absl::StrCat(
        "'", request.Query("path"), "' has ", opened->size, " bytes; the limit is ",
        options_.max_file_bytes)));
  }
  auto data = ReadAt(*opened, 0, opened->size);
  if (!data.ok()) return Refused(data.status());
  LOG_INFO("exec: scp from task {}: {}", target->task_id, request.Query("path"));
  return net::HttpResponse::Of(200, "application/octet-stream", *std::move(data));
}

net::HttpResponse ExecServer::PutFile(const net::HttpRequest& request) const {
  auto target = Authorize(request.Header(kGrantHeader), "scp");
  if (!target.ok()) return Refused(target.status());
  if (static_cast<int64_t>(request.body.size()) > options_.max_file_bytes) {
    return Refused(absl::ResourceExhaustedError(
        absl::StrCat("the file has ", request.body.size(), " bytes; the limit is ",
                     options_.max_file_bytes)));
  }
  const std::string root = request.Query("executor_sandbox") == "1" ? target->task_dir
                                                                    : target->sandbox;
  auto parts = SplitContainedPath(request.Query("path"));
  if (!parts.ok()) return Refused(parts.status());
  auto root_fd = OpenRoot(root);
  if (!root_fd.ok()) return Refused(root_fd.status());
  // The destination: an existing directory takes the file under `name`; otherwise the
  // last component is the file's name and the rest its directory.
  std::vector<std::string> dir = *parts;
  std::string name;
  auto whole = OpenContained(root_fd->get(), absl::StrJoin(dir, "/"));
  if (whole.ok() && whole->is_dir) {
    name = request.Query("name");
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
      return Refused(absl::InvalidArgumentError("name: a file name is needed to copy into a directory"));
    }
  } else {
    if (dir.empty()) return Refused(absl::InvalidArgumentError("path: empty"));
    name = dir.back();
    dir.pop_back();
  }
  auto parent = OpenContained(root_fd->get(), absl::StrJoin(dir, "/"));
  if (!parent.ok()) return Refused(parent.status());
  if (!parent->is_dir) return Refused(absl::NotFoundError("no such directory"));
  absl::Status written = WriteInto(parent->fd.get(), name, request.body, target->user);
  if (!written.ok()) return Refused(written);
  LOG_INFO("exec: scp to task {}: {} ({} bytes)", target->task_id, request.Query("path"),
           request.body.size());
  return net::HttpResponse::Text(200, "OK\n");
}

}  // namespace borealis::agent
