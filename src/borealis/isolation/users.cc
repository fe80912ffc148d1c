// Users and the child's isolation steps (see users.h).
#include "borealis/isolation/users.h"

#include <grp.h>
#include <pwd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace borealis::isolation {
namespace {

UserIdentity FromPasswdEntry(const passwd& pw) {
  UserIdentity user;
  user.name = pw.pw_name;
  user.uid = pw.pw_uid;
  user.gid = pw.pw_gid;
  user.home = pw.pw_dir != nullptr ? pw.pw_dir : "";
  return user;
}

absl::StatusOr<UserIdentity> FromPasswd(const passwd& pw) {
  UserIdentity user = FromPasswdEntry(pw);
  int count = 32;
  for (int attempt = 0; attempt < 8; ++attempt) {
    user.groups.assign(static_cast<size_t>(count), 0);
    int n = count;
    if (::getgrouplist(pw.pw_name, pw.pw_gid, user.groups.data(), &n) >= 0) {
      user.groups.resize(static_cast<size_t>(n));
      return user;
    }
    count = std::max(n, count * 2);
  }
  return absl::InternalError(absl::StrCat("cannot list the groups of user '", user.name, "'"));
}

}  // namespace

absl::StatusOr<UserIdentity> LookupUser(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* result = nullptr;
  int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result);
  if (rc != 0 && rc != ENOENT && rc != ESRCH) {
    return absl::InternalError(
        absl::StrCat("cannot look up user '", name, "': ", std::strerror(rc)));
  }
  if (result == nullptr || name.empty()) {
    return absl::NotFoundError(absl::StrCat("user '", name, "' does not exist on this agent"));
  }
  return FromPasswd(pw);
}

absl::StatusOr<UserIdentity> CurrentUser() {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* result = nullptr;
  int rc = ::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &result);
  if (rc != 0 || result == nullptr) {
    return absl::NotFoundError(absl::StrCat("uid ", ::geteuid(), " has no passwd entry"));
  }
  return FromPasswdEntry(pw);
}

// Not instrumented by AddressSanitizer: it may run in a child that shares the executor's
// memory on a stack of its own (executor/spawn_isolated.cc).
__attribute__((no_sanitize("address"))) int ApplyInChild(const ChildSetup& setup,
                                                         const char** failed_step) noexcept {
  for (int fd : setup.cgroup_procs_fds) {
    if (::write(fd, "0", 1) != 1) {
      *failed_step = "joining the task's cgroup";
      return errno;
    }
  }
  if (!setup.user) return 0;
  // Raw system calls, not glibc's wrappers: in a multi-threaded process glibc's
  // setgroups/setgid/setuid change every thread it knows of, and a child cloned with
  // CLONE_VM still shares the parent's idea of its threads. The kernel calls change the
  // calling task only, which is the whole child.
  const UserIdentity& u = *setup.user;
  if (::syscall(SYS_setgroups, u.groups.size(), u.groups.data()) != 0) {
    *failed_step = "setgroups";
    return errno;
  }
  if (::syscall(SYS_setgid, u.gid) != 0) {
    *failed_step = "setgid";
    return errno;
  }
  if (::syscall(SYS_setuid, u.uid) != 0) {
    *failed_step = "setuid";
    return errno;
  }
  return 0;
}

absl::Status ChownTo(const std::string& path, const UserIdentity& user) {
  if (::lchown(path.c_str(), user.uid, user.gid) != 0) {
    return absl::InternalError(absl::StrCat("cannot give '", path, "' to user '", user.name,
                                            "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace borealis::isolation
