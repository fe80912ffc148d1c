// The observer's view of a task directory: every path a client names is resolved inside
// that directory and nowhere else.
//
// Containment rule: a relative path is split on '/' and walked one component at a time
// with openat(dir_fd, component, O_NOFOLLOW | O_CLOEXEC ...) from a descriptor of the task
// directory. No symlink is ever followed (not even one that points back inside); empty,
// ".", ".." components, a leading '/', and NUL bytes are refused before anything is opened.
// Only directories and regular files with a single link are served (a hard link could
// name a file outside the directory). The caller percent-decodes the path exactly once,
// before calling in here; nothing in this file decodes.
//
// Errors: InvalidArgument for a malformed path (callers answer 400), NotFound for a path
// that is missing or refused (404: a refusal looks like a missing file, so nothing about
// what exists outside is revealed), Internal for other I/O failures.
// Thread contract: free functions and a move-only fd holder; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "borealis/base/status.h"
#include "borealis/base/unique_fd.h"

namespace borealis::agent {

// Owns one file descriptor; closes it when destroyed.
using Fd = base::UniqueFd;

// Checks `relative` (already percent-decoded) and splits it into components. "" means the
// root itself; one trailing '/' is allowed.
absl::StatusOr<std::vector<std::string>> SplitContainedPath(std::string_view relative);

enum class EntryType { kFile, kDirectory, kSymlink, kOther };
std::string_view EntryTypeName(EntryType type);

struct DirEntry {
  std::string name;
  EntryType type = EntryType::kOther;
  int64_t size = 0;
  int64_t mtime_ms = 0;
};

// What a contained path names, opened: a directory or a regular file (anything else is
// NotFound).
struct OpenedPath {
  Fd fd;
  bool is_dir = false;
  int64_t size = 0;
  int64_t mtime_ms = 0;
};

// Opens `root` (a trusted absolute path: the task directory) as a directory.
absl::StatusOr<Fd> OpenRoot(const std::string& root);

// Resolves `relative` beneath `root_fd` by the rule above.
absl::StatusOr<OpenedPath> OpenContained(int root_fd, std::string_view relative);

// The entries of an opened directory (not "." or ".."), sorted by name; symlinks are
// listed as such and never followed.
absl::StatusOr<std::vector<DirEntry>> ListEntries(const OpenedPath& dir);

// Up to `max_bytes` from `offset` of an opened regular file.
absl::StatusOr<std::string> ReadAt(const OpenedPath& file, int64_t offset, int64_t max_bytes);

// Bytes of disk the tree under `dir_fd` occupies (allocated blocks, like du), without
// following symlinks; hard-linked files count once. Unreadable subtrees are skipped.
int64_t DiskUsage(int dir_fd);

// Removes `path` and everything below it without following symlinks. A missing path is
// not an error.
absl::Status RemoveTree(const std::string& path);

}  // namespace borealis::agent
