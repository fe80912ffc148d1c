// The directories and files that hold the output of process runs, inside the task's
// sandbox: `<sandbox>/.logs/<process>/<run>/stdout` and `stderr` (docs/observer.md).
//
// The sandbox belongs to the task's user, who can put a symlink (or a FIFO, or a hard
// link) anywhere in it, while the executor that creates and writes the logs may be
// root. So nothing here resolves a path inside the sandbox: each directory is opened
// from its parent's descriptor with openat(O_DIRECTORY | O_NOFOLLOW), after mkdirat
// created it if it was missing, and a log file is opened from its run directory's
// descriptor with O_NOFOLLOW (and O_NONBLOCK, so a FIFO cannot hold up the executor) and
// must then be a regular file with a single link. Whatever stands where one of these
// belongs and is not what it should be (a symlink, a file for a directory, a FIFO, a hard
// link) is removed with unlinkat, which never follows a link, and replaced, once; if it
// is back by then, the open fails. Nothing is ever written through a link.
//
// Invariants: a DirFd owns an open directory descriptor (close-on-exec) or nothing.
// Thin wrappers over system calls; thread-compatible.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "borealis/base/unique_fd.h"

namespace borealis::executor {

// Owns a directory descriptor.
using DirFd = base::UniqueFd;

// Opens the directory `path` (the executor's own path to the sandbox; its last
// component is not followed if it is a symlink).
absl::StatusOr<DirFd> OpenDirectory(const std::string& path);

// Opens the directory `name` (one component) in `parent`, creating it (0755) when it is
// missing and replacing a non-directory once, as described above. `shown` is the path
// that error messages name.
absl::StatusOr<DirFd> OpenSubdirectory(const DirFd& parent, const std::string& name,
                                       const std::string& shown);

// `<sandbox>/.logs/<process>/<run>`, each level opened (and created) as above. A
// process name that is not one plain path component is refused.
absl::StatusOr<DirFd> OpenRunLogDir(const std::string& sandbox, const std::string& process,
                                    int run);

// Opens `name` in `dir` for appending, creating it (0644), as described above. Returns a
// blocking, close-on-exec descriptor that the caller owns.
absl::StatusOr<int> OpenLogFile(const DirFd& dir, const std::string& name,
                                const std::string& shown);

}  // namespace borealis::executor
