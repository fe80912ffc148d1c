// Who a task's processes run as, and the part of isolation that happens in the child
// between fork and exec (docs/isolation.md).
//
// LookupUser resolves a role's Unix user with its supplementary groups up front, in the
// parent, because the child of a multi-threaded process may only make async-signal-safe
// calls (and the executor's child shares its memory until exec): ApplyInChild joins the
// task's cgroups (writes "0" into their join files, so the child is inside before it can
// fork) and then drops to the user (setgroups, setgid, setuid, in that order, so no
// privilege is left to regain, as raw system calls that change the calling task only).
// It allocates nothing.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace borealis::isolation {

struct UserIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, the primary one included
  std::string home;
};

// The user `name` from the passwd database. NotFound "user 'X' does not exist on this
// agent" when there is none.
absl::StatusOr<UserIdentity> LookupUser(const std::string& name);

// The effective user of this process, without its `groups` (left empty): nobody switches
// to the user it already is, and listing groups consults every NSS source (with
// libnss_systemd, a quarter MiB more resident in each executor).
absl::StatusOr<UserIdentity> CurrentUser();

// What a child does before exec. Everything is prepared by the parent.
struct ChildSetup {
  std::vector<int> cgroup_procs_fds;  // join these cgroups (TaskCgroup::procs_fds)
  std::optional<UserIdentity> user;   // switch to this user; nullopt: stay
};

// In the child only (forked, or cloned with CLONE_VM before exec): joins the cgroups,
// then switches user. Returns 0, or an errno with `*failed_step` set to a static string
// naming the step.
int ApplyInChild(const ChildSetup& setup, const char** failed_step) noexcept;

// chown of `path` (not following a symlink) to the user.
absl::Status ChownTo(const std::string& path, const UserIdentity& user);

}  // namespace borealis::isolation
