// Contained paths, listings, reads and disk usage for the observer (see observer_fs.h).
#include "borealis/agent/observer_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace borealis::agent {
namespace {

// Deeper trees are not walked by DiskUsage and RemoveTree (each level holds a descriptor).
constexpr int kMaxDepth = 128;

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

EntryType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return EntryType::kFile;
  if (S_ISDIR(mode)) return EntryType::kDirectory;
  if (S_ISLNK(mode)) return EntryType::kSymlink;
  return EntryType::kOther;
}

absl::Status NotFound(std::string_view relative) {
  return absl::NotFoundError(absl::StrCat("'", std::string(relative), "' is not in the sandbox"));
}

// Opens the entries of `dir_fd` for reading names; the returned DIR owns a dup of it.
DIR* OpenDirStream(int dir_fd) {
  int dup = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return nullptr;
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) ::close(dup);
  return dir;
}

std::vector<std::string> EntryNames(int dir_fd) {
  std::vector<std::string> names;
  DIR* dir = OpenDirStream(dir_fd);
  if (dir == nullptr) return names;
  ::rewinddir(dir);
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

void AddUsage(int dir_fd, int depth, std::set<std::pair<dev_t, ino_t>>& linked, int64_t& total) {
  for (const std::string& name : EntryNames(dir_fd)) {
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !linked.insert({st.st_dev, st.st_ino}).second) {
      continue;
    }
    total += static_cast<int64_t>(st.st_blocks) * 512;
    if (S_ISDIR(st.st_mode) && depth < kMaxDepth) {
      Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.get() >= 0) AddUsage(child.get(), depth + 1, linked, total);
    }
  }
}

absl::Status RemoveBelow(int dir_fd, const std::string& path, int depth) {
  for (const std::string& name : EntryNames(dir_fd)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR && errno != EPERM) {
      return absl::InternalError(
          absl::StrCat("cannot remove '", path, "/", name, "': ", std::strerror(errno)));
    }
    if (depth >= kMaxDepth) {
      return absl::InternalError(absl::StrCat("'", path, "' is nested too deeply to remove"));
    }
    Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (child.get() < 0) {
      return absl::InternalError(
          absl::StrCat("cannot open '", path, "/", name, "': ", std::strerror(errno)));
    }
    RETURN_IF_ERROR(RemoveBelow(child.get(), absl::StrCat(path, "/", name), depth + 1));
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return absl::InternalError(
          absl::StrCat("cannot remove '", path, "/", name, "': ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kFile:
      return "file";
    case EntryType::kDirectory:
      return "dir";
    case EntryType::kSymlink:
      return "symlink";
    case EntryType::kOther:
      break;
  }
  return "other";
}

absl::StatusOr<std::vector<std::string>> SplitContainedPath(std::string_view relative) {
  std::vector<std::string> parts;
  if (relative.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("path has a NUL byte");
  }
  if (relative.empty()) return parts;
  if (relative.front() == '/') {
    return absl::InvalidArgumentError("path must be relative to the sandbox");
  }
  if (relative.back() == '/') relative.remove_suffix(1);
  size_t start = 0;
  while (true) {
    size_t slash = relative.find('/', start);
    std::string_view part = relative.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("path component '", std::string(part), "' is not allowed"));
    }
    if (part.size() > NAME_MAX) {
      return absl::InvalidArgumentError("path component is too long");
    }
    parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

absl::StatusOr<Fd> OpenRoot(const std::string& root) {
  Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
      return absl::NotFoundError(absl::StrCat("no directory '", root, "'"));
    }
    return absl::InternalError(absl::StrCat("cannot open '", root, "': ", std::strerror(errno)));
  }
  return fd;
}

absl::StatusOr<OpenedPath> OpenContained(int root_fd, std::string_view relative) {
  ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitContainedPath(relative));
  // The walk starts from a private duplicate so that the result owns its descriptor.
  Fd current(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (current.get() < 0) return absl::InternalError("cannot duplicate the sandbox descriptor");
  for (size_t i = 0; i < parts.size(); ++i) {
    const char* name = parts[i].c_str();
    struct stat st;
    if (::fstatat(current.get(), name, &st, AT_SYMLINK_NOFOLLOW) != 0) return NotFound(relative);
    bool last = i + 1 == parts.size();
    bool is_dir = S_ISDIR(st.st_mode);
    if (!is_dir && !(last && S_ISREG(st.st_mode))) return NotFound(relative);  // symlinks too
    // O_NONBLOCK: should the entry be swapped for a FIFO after the check, open won't hang.
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (is_dir ? O_DIRECTORY : 0);
    Fd next(::openat(current.get(), name, flags));
    if (next.get() < 0) return NotFound(relative);
    current = std::move(next);
  }
  struct stat st;
  if (::fstat(current.get(), &st) != 0) return NotFound(relative);
  if (S_ISREG(st.st_mode)) {
    if (st.st_nlink > 1) return NotFound(relative);
  } else if (!S_ISDIR(st.st_mode)) {
    return NotFound(relative);
  }
  OpenedPath opened;
  opened.fd = std::move(current);
  opened.is_dir = S_ISDIR(st.st_mode);
  opened.size = static_cast<int64_t>(st.st_size);
  opened.mtime_ms = MtimeMs(st);
  return opened;
}

absl::StatusOr<std::vector<DirEntry>> ListEntries(const OpenedPath& dir) {
  if (!dir.is_dir) return absl::InvalidArgumentError("not a directory");
  std::vector<DirEntry> entries;
  for (std::string& name : EntryNames(dir.fd.get())) {
    struct stat st;
    if (::fstatat(dir.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    DirEntry entry;
    entry.name = std::move(name);
    entry.type = TypeOf(st.st_mode);
    entry.size = static_cast<int64_t>(st.st_size);
    entry.mtime_ms = MtimeMs(st);
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

absl::StatusOr<std::string> ReadAt(const OpenedPath& file, int64_t offset, int64_t max_bytes) {
  if (file.is_dir) return absl::InvalidArgumentError("is a directory");
  std::string out;
  if (max_bytes <= 0 || offset < 0) return out;
  out.resize(static_cast<size_t>(max_bytes));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(file.fd.get(), out.data() + got, out.size() - got,
                        static_cast<off_t>(offset) + static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("read failed: ", std::strerror(errno)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

int64_t DiskUsage(int dir_fd) {
  struct stat st;
  int64_t total = 0;
  if (::fstat(dir_fd, &st) == 0) total = static_cast<int64_t>(st.st_blocks) * 512;
  std::set<std::pair<dev_t, ino_t>> linked;
  AddUsage(dir_fd, 0, linked, total);
  return total;
}

absl::Status RemoveTree(const std::string& path) {
  Fd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir.get() < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    if (errno == ENOTDIR || errno == ELOOP) {
      if (::unlink(path.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
    }
    return absl::InternalError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  RETURN_IF_ERROR(RemoveBelow(dir.get(), path, 0));
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("cannot remove '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace borealis::agent
